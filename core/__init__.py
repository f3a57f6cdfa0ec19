"""What every app shares and no app owns: money, sortable lists, Excel exports, list pages.

The bottom of the import graph: core imports Django and third-party libraries only, never
an app, so accounts, contracts, payments and evaluations all build on it.
"""
