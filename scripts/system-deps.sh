#!/usr/bin/env bash
# Install the system packages branchdb's demo and tests need when they are missing (Debian/apt).
#   scripts/system-deps.sh server   MySQL/MariaDB server binaries only (the demo starts a private
#                                   server from them when no server is configured or reachable)
#   scripts/system-deps.sh all      also Go with the MySQL driver (Go client tests) and sysbench
set -euo pipefail
what=${1:-all}

export DEBIAN_FRONTEND=noninteractive
apt_updated=0
apt_install() {
    if ! command -v apt-get >/dev/null; then
        echo "system-deps: missing $*, and no apt-get here: install them yourself" >&2
        return 1
    fi
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "system-deps: apt-get install $*"
    if [ "$apt_updated" = 0 ]; then
        $sudo apt-get update -q
        apt_updated=1
    fi
    $sudo apt-get install -y -q --no-install-recommends "$@"
}

have_server_binary() {
    command -v mariadbd >/dev/null || command -v mysqld >/dev/null ||
        [ -x /usr/sbin/mariadbd ] || [ -x /usr/sbin/mysqld ] || [ -x /usr/local/mysql/bin/mysqld ]
}

if ! have_server_binary; then
    # Install the binaries without starting the system service: branchdb starts its own.
    policy=/usr/sbin/policy-rc.d
    made_policy=0
    if [ ! -e "$policy" ] && [ -w /usr/sbin ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy"
        chmod +x "$policy"
        made_policy=1
    fi
    apt_install mariadb-server mariadb-client
    if [ "$made_policy" = 1 ]; then rm -f "$policy"; fi
fi

if [ "$what" = all ]; then
    command -v go >/dev/null || apt_install golang-go
    [ -d /usr/share/gocode/src/github.com/go-sql-driver/mysql ] ||
        apt_install golang-github-go-sql-driver-mysql-dev
    command -v sysbench >/dev/null || apt_install sysbench
fi
exit 0
