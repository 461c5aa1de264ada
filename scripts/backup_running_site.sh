#!/usr/bin/env bash
# A backup of a running site, restored into a fresh database, its pages compared byte for
# byte with the running site's (issue 18). SQLite, the demo library, runserver on ports
# 8811 and 8812; visitors ask for the home page and a writer adds 200 papers while
# `manage.py backup` runs. Exit status 1 if a page differs.
#     scripts/backup_running_site.sh
set -euo pipefail
cd "$(dirname "$0")/.."
D=$(mktemp -d)
export DEBUG=1 PAGE_CACHE_SECONDS=0
site() { DATABASE_URL="sqlite:///$D/site.sqlite3" MEDIA_ROOT="$D/media" "$@"; }
copy() { DATABASE_URL="sqlite:///$D/copy.sqlite3" MEDIA_ROOT="$D/media2" "$@"; }
site .venv/bin/python manage.py migrate -v0
site .venv/bin/python manage.py load_demo --password demo >/dev/null
site .venv/bin/python manage.py runserver 127.0.0.1:8811 --noreload >"$D/a.log" 2>&1 &
A=$!
trap 'kill $A $B $W 2>/dev/null; pkill -f "runserver 127.0.0.1:881[12]"; rm -rf "$D"' EXIT
B=0; W=0
for _ in $(seq 50); do curl -sf -o /dev/null http://127.0.0.1:8811/healthz && break; sleep 0.2; done
# Visitors, and a writer adding papers through the service, while the backup runs.
(while true; do curl -s -o /dev/null http://127.0.0.1:8811/; done) &
W=$!
site .venv/bin/python manage.py shell -v0 -c "
from shortscience.test import make_paper
for i in range(200): make_paper(f'Written during the backup {i}')
" &
WR=$!
site .venv/bin/python manage.py backup "$D/backups" > "$D/where" 2>"$D/backup.err"
wait $WR
kill $W
wait $W 2>/dev/null || true
echo "backup: $(cat "$D/where")"; tail -2 "$D/backup.err"
copy .venv/bin/python manage.py restore "$(cat "$D/where")" 2>/dev/null
copy .venv/bin/python manage.py runserver 127.0.0.1:8812 --noreload >"$D/b.log" 2>&1 &
B=$!
for _ in $(seq 50); do curl -sf -o /dev/null http://127.0.0.1:8812/healthz && break; sleep 0.2; done
papers=$(copy .venv/bin/python manage.py shell -v0 -c "from shortscience.papers.models import Paper; print(Paper.objects.count())")
echo "papers in the copy: $papers (the demo's plus those written before the snapshot)"
# Pages of what the copy holds, from both sites: the running site has moved on only by
# papers written after the snapshot, which the copy's pages do not show.
same=0; differ=0
for url in $(copy .venv/bin/python manage.py shell -v0 -c "
from shortscience.summaries.models import Summary
from shortscience.papers.models import Paper
urls = [s.get_absolute_url() for s in Summary.objects.filter(visibility='public')[:20]]
urls += [p.get_absolute_url() for p in Paper.objects.order_by('id')[:20]]
print(' '.join(urls))"); do
  if cmp -s <(curl -s "http://127.0.0.1:8811$url") <(curl -s "http://127.0.0.1:8812$url"); then
    same=$((same + 1))
  else
    differ=$((differ + 1))
    echo "differs: $url"
    diff <(curl -s "http://127.0.0.1:8811$url") <(curl -s "http://127.0.0.1:8812$url") | head -10 || true
  fi
done
echo "pages identical: $same, different: $differ"
[ "$differ" -eq 0 ]
