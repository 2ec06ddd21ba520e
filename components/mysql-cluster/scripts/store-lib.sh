# shellcheck shell=bash
# The object-store seam of issue 17, sourced after lib.sh by the scripts that
# upload or restore. rclone is configured only through environment variables
# set here, never arguments: remote `store:` is the S3 service (its
# RCLONE_CONFIG_STORE_* set by the caller, or a `local` remote in unit tests),
# remote `vault:` is rclone's crypt over store:<bucket>/<prefix>, so the bucket
# holds only encrypted names and contents. The crypt password is obscured
# through stdin: no key reaches a command line or a log. Its obscured form
# (reversible, rclone's own encoding) is in the environment of this script
# and the rclone processes it starts, readable only by the same user.
# The pods that use it: the backup Job (backupTarget store/both) and init-data
# with restoreFromStore; store_setup configures store: from their environment
# (STORE_ENDPOINT, STORE_BUCKET, STORE_REGION) and the backupStoreSecret's files.

# The binary the `tools` init container copies from the rclone image.
STORE_RCLONE=${STORE_RCLONE:-$TOOLS_DIR/rclone}
# Written once into an empty vault; a key that cannot read it back is wrong
# (crypt also encrypts names, so with a wrong key the object is "not found").
readonly STORE_KEYCHECK=keycheck
readonly STORE_KEYCHECK_TEXT=vault-keycheck-v1

# store_configure KEYFILE TARGET: vault: = crypt over store:TARGET, TARGET being
# "<bucket>/<prefix>". Quiet (errors only), few retries so a dead store fails fast.
store_configure() {
    local keyfile=$1 target=$2 obscured
    export RCLONE_CONFIG="" RCLONE_LOG_LEVEL=ERROR RCLONE_RETRIES=2 RCLONE_LOW_LEVEL_RETRIES=3
    export RCLONE_CONTIMEOUT=10s RCLONE_TIMEOUT=60s
    [[ -s $keyfile ]] || { echo "store: the encryption key file is missing or empty" >&2; return 1; }
    obscured=$("$STORE_RCLONE" obscure - <"$keyfile") || { echo "store: rclone could not read the encryption key" >&2; return 1; }
    export RCLONE_CONFIG_VAULT_TYPE=crypt
    export RCLONE_CONFIG_VAULT_REMOTE="store:$target"
    export RCLONE_CONFIG_VAULT_PASSWORD="$obscured"
    STORE_TARGET=$target
}

# store_setup PREFIX: store: = the S3 service of STORE_ENDPOINT/STORE_REGION with the
# Secret's credentials (read by the shell, exported only to rclone's environment),
# then vault: over STORE_BUCKET/PREFIX. One line naming what is missing when it cannot.
store_setup() {
    local prefix=$1 key id secret
    for key in "$STORE_KEY_ID_NAME" "$STORE_SECRET_KEY_NAME" "$STORE_ENCRYPTION_KEY_NAME"; do
        [[ -s $STORE_SECRET_DIR/$key ]] || {
            echo "store: the Secret named by backupStoreSecret has no key $key, or it is empty" >&2
            return 1
        }
    done
    [[ -n ${STORE_ENDPOINT:-} && -n ${STORE_BUCKET:-} && -n $prefix ]] || {
        echo "store: STORE_ENDPOINT, STORE_BUCKET or the prefix is not set (settings backupStoreEndpoint, backupStoreBucket)" >&2
        return 1
    }
    id=$(<"$STORE_SECRET_DIR/$STORE_KEY_ID_NAME")
    secret=$(<"$STORE_SECRET_DIR/$STORE_SECRET_KEY_NAME")
    export RCLONE_CONFIG_STORE_TYPE=s3 RCLONE_CONFIG_STORE_PROVIDER=Other
    export RCLONE_CONFIG_STORE_ENDPOINT=$STORE_ENDPOINT RCLONE_CONFIG_STORE_REGION=${STORE_REGION:-us-east-1}
    # Path-style requests work with every S3 service (MinIO, Ceph RGW); the bucket is the user's: never created.
    export RCLONE_CONFIG_STORE_FORCE_PATH_STYLE=true RCLONE_CONFIG_STORE_NO_CHECK_BUCKET=true
    export RCLONE_CONFIG_STORE_ACCESS_KEY_ID=$id RCLONE_CONFIG_STORE_SECRET_ACCESS_KEY=$secret
    # The CA bundle the tools init container copied beside rclone (builders/store.ts): https
    # endpoints are verified the same way in every image. Absent (unit tests): the system's.
    if [[ -s $TOOLS_DIR/$TOOLS_CA_BUNDLE ]]; then export SSL_CERT_FILE=$TOOLS_DIR/$TOOLS_CA_BUNDLE; fi
    store_configure "$STORE_SECRET_DIR/$STORE_ENCRYPTION_KEY_NAME" "$STORE_BUCKET/$prefix"
}

# store_put PATH: stdin -> object, streamed (rcat uploads in chunks, no temp file).
store_put() { "$STORE_RCLONE" rcat "vault:$1"; }
# store_get PATH: object -> stdout, streamed.
store_get() { "$STORE_RCLONE" cat "vault:$1"; }
# store_list DIR: the names directly under DIR, directories ending in "/"; nothing if DIR does not exist.
store_list() { "$STORE_RCLONE" lsf "vault:$1" 2>/dev/null || true; }
# store_list_checked DIR: as store_list, but fails (rclone's last line on stderr)
# when the store does not answer; an absent DIR is empty, not a failure. On
# success rclone (RCLONE_LOG_LEVEL=ERROR) writes nothing but the names.
store_list_checked() {
    local out rc=0
    out=$("$STORE_RCLONE" lsf "vault:$1" 2>&1) || rc=$?
    if (( rc != 0 )); then
        [[ $out == *"directory not found"* ]] && return 0
        printf 'listing %s failed: %s\n' "$1" "${out##*$'\n'}" >&2
        return 1
    fi
    [[ -z $out ]] || printf '%s\n' "$out"
}
# store_delete PATH: an object, or a directory with everything under it; absent is fine.
store_delete() {
    if [[ $1 == */ ]]; then
        "$STORE_RCLONE" purge "vault:${1%/}" 2>/dev/null || true
    else
        "$STORE_RCLONE" deletefile "vault:$1" 2>/dev/null || true
    fi
}

# store_check [--read-only]: the store answers, and the key decrypts what the
# vault holds (an empty vault gets the keycheck object; with --read-only, as a
# restore asks, an empty vault is an error instead). One line on stderr when not.
store_check() {
    local err raw text read_only=${1:-}
    if ! raw=$("$STORE_RCLONE" lsf "store:$STORE_TARGET" 2>&1 >/dev/null; echo "rc=$?"); then :; fi
    if [[ $raw != *"rc=0" ]] && [[ $raw != *"directory not found"* ]]; then
        err=${raw%rc=*}; err=${err%$'\n'}; err=${err##*$'\n'}
        echo "store: unreachable or refused (store:${STORE_TARGET%%/*}): ${err:-rclone failed}" >&2
        return 1
    fi
    # An absent object reads as empty on S3 (rclone cat of a "directory" with nothing in it), an error elsewhere.
    if text=$("$STORE_RCLONE" cat "vault:$STORE_KEYCHECK" 2>/dev/null) && [[ -n $text ]]; then
        [[ $text == "$STORE_KEYCHECK_TEXT" ]] && return 0
        echo "store: wrong encryption key (the keycheck object decrypts to something else)" >&2
        return 1
    fi
    raw=$("$STORE_RCLONE" lsf "store:$STORE_TARGET" 2>/dev/null || true)
    if [[ -n $raw ]]; then
        echo "store: wrong encryption key (objects exist under the prefix but the keycheck does not decrypt)" >&2
        return 1
    fi
    if [[ $read_only == --read-only ]]; then
        echo "store: nothing under store:$STORE_TARGET (no backup was ever uploaded there)" >&2
        return 1
    fi
    printf '%s' "$STORE_KEYCHECK_TEXT" | store_put "$STORE_KEYCHECK" || {
        echo "store: cannot write to store:${STORE_TARGET%%/*}" >&2
        return 1
    }
}

# store_complete_backups: the vault's complete base backups (those with a
# manifest, which is written last), oldest first (their names are UTC times).
store_complete_backups() {
    local entry
    while IFS= read -r entry; do
        entry=${entry%/}
        [[ $entry =~ $BACKUP_NAME_PATTERN ]] || continue
        [[ -n $(store_list "$STORE_BASE/$entry/$STORE_MANIFEST_NAME") ]] && printf '%s\n' "$entry"
    done < <(store_list "$STORE_BASE/" | sort)
    return 0
}

# store_fetch_backup NAME DIR: unpacks complete base backup NAME into the
# empty directory DIR, streamed (the store's tar straight into tar -x: no
# second copy), and prints its manifest. Fails, with one line, when NAME is
# not complete, or the download or the unpacking breaks off (pipefail: a
# download cut short fails here even when tar saw a clean end). Crypt
# authenticates every 64 KiB block, so a changed object never unpacks. DIR is
# the caller's to discard then.
store_fetch_backup() {
    local name=$1 dir=$2 manifest complete
    manifest=$(store_get "$STORE_BASE/$name/$STORE_MANIFEST_NAME" 2>/dev/null) || manifest=""
    if [[ -z $manifest ]]; then
        complete=$(store_complete_backups | tr '\n' ' ')
        echo "store: $name is not a complete backup under store:$STORE_TARGET; complete backups: ${complete:-none}" >&2
        return 1
    fi
    if ! store_get "$STORE_BASE/$name/$STORE_DATA_NAME" | tar -x -C "$dir"; then
        echo "store: downloading or unpacking $name failed (see the lines above)" >&2
        return 1
    fi
    printf '%s\n' "$manifest"
}

# store_expect_bytes BYTES: sizes the S3 multipart upload of a stream of about
# BYTES. A stream's size is unknown to rclone, so it uploads in parts of its
# default chunk size (5 MiB), and S3 allows 10,000 parts: without this, a
# backup over about 48 GiB failed at its end ("TotalPartsExceeded"; rclone
# fs/chunksize, AWS S3 multipart limits). Parts are sized for 9,000 parts of
# BYTES plus 5% (tar headers, crypt's 16 bytes per 64 KiB), at least 5 MiB;
# rclone holds a part per concurrent upload in memory, so fewer run at once as
# parts grow: at most 512 MiB held, or one part when a part is larger.
store_expect_bytes() {
    local bytes=$1 mib=$((1024 * 1024)) chunk concurrency
    chunk=$(( (bytes * 21 / 20 / 9000 + mib - 1) / mib ))
    (( chunk >= 5 )) || chunk=5
    concurrency=$(( 512 / chunk ))
    (( concurrency <= 4 )) || concurrency=4
    (( concurrency >= 1 )) || concurrency=1
    export RCLONE_CONFIG_STORE_CHUNK_SIZE=${chunk}Mi RCLONE_CONFIG_STORE_UPLOAD_CONCURRENCY=$concurrency
}
