package dev.kchat.moderation.job;

/** Where a record the detectors judge was read: what an error record on {@code platform.errors} names. */
interface Sourced {

    String sourceTopic();

    int sourcePartition();

    long sourceOffset();
}
