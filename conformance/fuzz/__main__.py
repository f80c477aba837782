"""`python -m conformance.fuzz`: the `pinecone-conformance fuzz` command."""

import sys

from conformance.fuzz.command import main

sys.exit(main())
