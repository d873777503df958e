"""The shells over the library: the command line (``interface.cli``) and, above the same
library calls, the HTTP app. Nothing in ``retrieval``, ``agent`` or ``evals`` imports this package."""
