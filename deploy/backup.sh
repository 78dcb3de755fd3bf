#!/usr/bin/env bash
# Back up Satu Pintu: the PostgreSQL database (pg_dump's custom format) and the documents
# (MEDIA_ROOT: uploads and signed results) into BACKUP_DIR/<date-time>/, keeping the last
# BACKUP_KEEP backups. Reads DATABASE_URL and MEDIA_ROOT from the environment (run it with
# /etc/satupintu/env, e.g. by deploy/systemd/satupintu-backup.service). The signing keys
# (SIGNING_DIR) and /etc/satupintu/env hold secrets: keep their copy apart, offline.
# With S3_BUCKET set the documents live in the bucket: use the bucket's versioning or
# replication for them; this script then backs up the database only.
set -euo pipefail
: "${DATABASE_URL:?DATABASE_URL is not set}"
BACKUP_DIR=${BACKUP_DIR:-/var/backups/satupintu}
BACKUP_KEEP=${BACKUP_KEEP:-14}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
target="$BACKUP_DIR/$stamp"
mkdir -p "$target"
chmod 700 "$BACKUP_DIR" "$target"
# One consistent snapshot of the whole database, compressed; pg_restore reads it.
pg_dump --format=custom --no-owner --no-privileges --file="$target/database.dump" "$DATABASE_URL"
if [ -z "${S3_BUCKET:-}" ] && [ -n "${MEDIA_ROOT:-}" ] && [ -d "$MEDIA_ROOT" ]; then
  tar --create --gzip --file="$target/media.tar.gz" --directory="$MEDIA_ROOT" .
fi
(cd "$target" && sha256sum -- * > SHA256SUMS)
echo "backup written to $target"
# Keep the newest BACKUP_KEEP backups.
ls -1d "$BACKUP_DIR"/*/ 2>/dev/null | sort | head -n "-$BACKUP_KEEP" | xargs -r rm -rf --
