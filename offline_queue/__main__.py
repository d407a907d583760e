import sys

from offline_queue.report import main

sys.exit(main())
