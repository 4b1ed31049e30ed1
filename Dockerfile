# branchdb proxy image: `docker run -e BRANCHDB_UPSTREAM=mysql://root:pw@mysql:3306 -p 3307:3307 branchdb`
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY proxy proxy
COPY cow cow
COPY sqlrewrite sqlrewrite
COPY bench bench
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --no-create-home branchdb
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels branchdb && rm -rf /wheels
USER 10001
EXPOSE 3307
ENV BRANCHDB_SERVE_LOG_LEVEL=info
ENTRYPOINT ["branchdb"]
CMD ["serve", "--listen", "0.0.0.0:3307"]
