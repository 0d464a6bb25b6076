"""``python -m auditor`` runs the same CLI as the ``auditor`` command."""

import sys

from auditor.cli import main

sys.exit(main())
