"""`python -m branchdb.bench`."""

import sys

from branchdb.bench.cli import main

sys.exit(main())
