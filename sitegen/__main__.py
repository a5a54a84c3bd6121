"""`python -m sitegen` runs the same command line as `sitegen`."""

from sitegen.cli import main

raise SystemExit(main())
