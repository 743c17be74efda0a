#!/bin/sh
# One backup into a new folder named by the time, then the backups older than BACKUP_KEEP_DAYS
# removed (only after this one succeeded). Run by microventure-backup.service; by hand:
#   set -a; . /etc/microventure/env; set +a; /opt/microventure/docs/deploy/backup.sh
set -eu
cd "${APP_DIR:-/opt/microventure}"
FLASK="${FLASK:-.venv/bin/flask}"
root="${BACKUP_ROOT:-/var/backups/microventure}"
keep="${BACKUP_KEEP_DAYS:-30}"
mkdir -p "$root"
target="$root/$(date +%Y-%m-%d-%H%M%S)"
"$FLASK" --app wsgi backup "$target"
# folders only, and only those with a manifest: nothing else under the root is touched
find "$root" -mindepth 1 -maxdepth 1 -type d -mtime +"$keep" -exec test -f '{}/manifest.json' ';' \
  -exec rm -rf '{}' +
