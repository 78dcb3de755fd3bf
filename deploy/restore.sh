#!/usr/bin/env bash
# Restore a backup made by deploy/backup.sh: `deploy/restore.sh /var/backups/satupintu/<stamp>`.
# Stop the application first (`systemctl stop satupintu.target`): the database named by
# DATABASE_URL is emptied and filled from the dump, MEDIA_ROOT from the documents archive.
# Run `satupintu migrate` afterwards when the code is newer than the backup, then start again.
set -euo pipefail
source_dir=${1:?usage: restore.sh BACKUP_FOLDER}
: "${DATABASE_URL:?DATABASE_URL is not set}"
(cd "$source_dir" && sha256sum --check --quiet SHA256SUMS)
# --clean --if-exists drops what the dump holds before creating it again; one transaction, so a
# failed restore leaves the database as it was.
pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction \
  --dbname="$DATABASE_URL" "$source_dir/database.dump"
if [ -f "$source_dir/media.tar.gz" ]; then
  : "${MEDIA_ROOT:?MEDIA_ROOT is not set}"
  mkdir -p "$MEDIA_ROOT"
  tar --extract --gzip --file="$source_dir/media.tar.gz" --directory="$MEDIA_ROOT"
fi
echo "restored from $source_dir"
