#!/usr/bin/env bash
# The main job: install what is missing, build, ingest the example materials
# into an embedded library, create an admin and a demo member, and serve the
# library at http://127.0.0.1:8080/ (SUCAI_LISTEN overrides).  Ctrl-C stops.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
scripts/build.sh build
lib=${SUCAI_LIBRARY:-./library}
listen=${SUCAI_LISTEN:-127.0.0.1:8080}
sucai=(./build/sucai --library "$lib")
"${sucai[@]}" ingest examples/ || true
"${sucai[@]}" stats
# A fresh random admin password on every start, printed once; the demo
# member's password is fixed so that it can be typed from here.
admin_pw=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 16)
if "${sucai[@]}" user list | grep -q '^admin '; then
  "${sucai[@]}" user set admin --tier admin --password "$admin_pw" --enable >/dev/null
else
  "${sucai[@]}" user add admin --tier admin --password "$admin_pw" >/dev/null
fi
member_until=$(date -u -d '+1 year' +%Y-%m-%d)
if "${sucai[@]}" user list | grep -q '^demo '; then
  "${sucai[@]}" user set demo --tier member --password demo-member --expires "$member_until" --enable >/dev/null
else
  "${sucai[@]}" user add demo --tier member --password demo-member --expires "$member_until" >/dev/null
fi
cat <<MSG

  sucai is starting on http://$listen/
    admin login:   admin / $admin_pw   (new on every start)
    member login:  demo / demo-member   (a member until $member_until)
  Visitors see titles, outlines and the free preview; members read and
  download everything.  Stop with Ctrl-C.

MSG
exec "${sucai[@]}" serve --listen "$listen"
