from branchdb.proxy.cli import main

main()
