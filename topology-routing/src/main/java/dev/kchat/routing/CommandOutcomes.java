package dev.kchat.routing;

import dev.kchat.events.chat.CommandAccepted;
import dev.kchat.events.chat.CommandRejected;
import dev.kchat.events.chat.CommandResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Counts routing's decisions as {@value #METRIC} (Prometheus {@code kchat_commands_total}), tagged
 * {@code type} (the command: SendMessage, CreateConversation, ...), {@code outcome} ({@code accepted},
 * {@code duplicate}: a repeated send answered with the first one's seq, {@code rejected}) and
 * {@code code} (the rejection's machine code, {@code none} otherwise). Every tag has a bounded set of
 * values. Counted as the result leaves the processor: under exactly-once a transaction that is
 * aborted and processed again counts its commands twice, so this is an operator's rate, not a ledger.
 */
public final class CommandOutcomes {

    public static final String METRIC = "kchat.commands";

    private final MeterRegistry metrics;

    public CommandOutcomes(MeterRegistry metrics) {
        this.metrics = metrics;
    }

    /** Counts one decision. */
    public void count(CommandResult result) {
        String type = result.getCommandType() == null ? "unknown" : result.getCommandType();
        String outcome;
        String code = "none";
        if (result.getOutcome() instanceof CommandRejected rejected) {
            outcome = "rejected";
            code = rejected.getCode();
        } else if (result.getOutcome() instanceof CommandAccepted accepted && accepted.getDuplicate()) {
            outcome = "duplicate";
        } else {
            outcome = "accepted";
        }
        counter(type, outcome, code).increment();
    }

    private Counter counter(String type, String outcome, String code) {
        return Counter.builder(METRIC).description("commands decided by routing")
                .tag("type", type).tag("outcome", outcome).tag("code", code).register(metrics);
    }
}
