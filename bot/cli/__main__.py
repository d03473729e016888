"""``python -m bot.cli``: the ``ssme`` command."""

import sys

from bot.cli import main

sys.exit(main())
