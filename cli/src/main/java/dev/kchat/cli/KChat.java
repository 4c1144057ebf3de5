package dev.kchat.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code kchat}, the terminal client: {@code login}, {@code conversations}, {@code history},
 * {@code send}, {@code tail}, {@code chat}, {@code dm}, {@code group}, {@code add}. Exit codes in
 * {@link ExitCode}; {@code --json} on every command for scripts.
 */
@Command(name = "kchat", mixinStandardHelpOptions = true, version = "kchat cli 0.1.0",
        description = "The kchat terminal client. Log in once (kchat login --token <jwt>), then list, read, send and follow.",
        subcommands = {Commands.Login.class, Commands.Conversations.class, Commands.History.class, Commands.Send.class,
                Tail.class, Chat.class, Commands.Direct.class, Commands.Group.class, Commands.Add.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done (a command accepted)", "1:an unexpected error", "2:bad usage or a bad request (400)",
                "3:refused by the platform (403, 404, 409, 422)", "4:no token, or it is invalid or expired (401)",
                "5:the platform is unreachable or unavailable", "6:rate limited (429)",
                "7:queued, no decision within the wait", "124:tail --count not reached before --timeout"})
public final class KChat implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Runs a command line with this output and error stream; returns the exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new KChat());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof Failure f) {
                err.println("kchat: " + f.getMessage());
                return f.exitCode();
            }
            if (e instanceof Api.Unreachable u) {
                err.println("kchat: " + u.getMessage());
                return ExitCode.UNAVAILABLE;
            }
            err.println("kchat: " + e);
            return ExitCode.FAILED;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    public static void main(String[] args) {
        System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }
}
