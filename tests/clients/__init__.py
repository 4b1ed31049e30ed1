"""Client-compatibility tests: real drivers against the upstream server and through the proxy.

Every scenario runs once with ``target`` = direct and once with ``target`` = proxy and must give
the same observable result, which is what "an unmodified driver works through branchdb" means.
"""
