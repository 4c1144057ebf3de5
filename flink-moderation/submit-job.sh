#!/usr/bin/env bash
# Submits the moderation job (detached) to the Flink session cluster at $FLINK_JOBMANAGER, unless a
# job named kchat-moderation is already running there. Waits for the JobManager first. Used by the
# compose file's one-shot moderation-submit service; see docs/operations.md for savepoints.
set -euo pipefail
JM="${FLINK_JOBMANAGER:-flink-jobmanager:8081}"
for _ in $(seq 1 60); do
  if flink list -m "$JM" > /dev/null 2>&1; then break; fi
  echo "waiting for the Flink JobManager at $JM"; sleep 5
done
if flink list -r -m "$JM" 2>/dev/null | grep -q ": kchat-moderation ("; then
  echo "kchat-moderation is already running on $JM; nothing to submit"
  exit 0
fi
args=(--kafka.bootstrap.servers="${KAFKA_BOOTSTRAP_SERVERS:?set KAFKA_BOOTSTRAP_SERVERS}"
      --schema.registry.url="${SCHEMA_REGISTRY_URL:?set SCHEMA_REGISTRY_URL}")
if [ -n "${CHECKPOINT_DIR:-}" ]; then args+=(--moderation.checkpoint.dir="$CHECKPOINT_DIR"); fi
if [ -n "${PARALLELISM:-}" ]; then args+=(--moderation.parallelism="$PARALLELISM"); fi
savepoint=()
# Claim the savepoint: Flink's default (no_claim) forces a full first checkpoint, which the changelog
# state backend (moderation.checkpoint.changelog, on by default) refuses. A claimed savepoint is the
# new job's: Flink deletes it once the job's own checkpoints subsume it (docs/moderation.md).
if [ -n "${FROM_SAVEPOINT:-}" ]; then savepoint=(-s "$FROM_SAVEPOINT" --claimMode claim); fi
exec flink run -d -m "$JM" "${savepoint[@]}" -c dev.kchat.moderation.job.ModerationJobMain \
  /opt/kchat/moderation-job.jar "${args[@]}"
