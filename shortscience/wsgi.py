import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shortscience.settings")
application = get_wsgi_application()

# What start-up made (modules, settings, URL patterns, templates: ~90,000 objects) lives as
# long as the worker; frozen, the garbage collector's full passes no longer walk it, and one
# costs what the objects made since cost. A render's time is counted against the markup
# budget (lib/markup/budget.py) with the passes its own allocations set off, and without the
# freeze each would also pay ~50 ms for the start-up heap: a legitimate long summary could be
# refused for it, and a hostile one would be refused later than it should.
gc.freeze()
