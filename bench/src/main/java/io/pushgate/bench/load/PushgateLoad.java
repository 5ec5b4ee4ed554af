package io.pushgate.bench.load;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code pushgate-load}: load generator for a pushgate node on this machine. Each kind of load is a
 * subcommand; it sends traffic only to loopback addresses.
 */
@Command(name = "pushgate-load", mixinStandardHelpOptions = true, version = "pushgate-load 0.1.0",
        description = "Load generator for a pushgate node on this machine (loopback only).",
        subcommands = {IdleCommand.class, FanoutCommand.class, ReconnectStormCommand.class, EventSourceCommand.class,
                FeedCommand.class, FeedReplayCommand.class, TokenKeysCommand.class, CommandLine.HelpCommand.class})
public final class PushgateLoad {

    public static void main(String[] args) {
        CommandLine line = new CommandLine(new PushgateLoad());
        // A bad value found after parsing (a non-loopback URL, a limit) is a usage error, not a crash.
        line.setExecutionExceptionHandler((e, command, parsed) -> {
            if (e instanceof IllegalArgumentException) {
                command.getErr().println("pushgate-load " + command.getCommandName() + ": " + e.getMessage());
                return 2;
            }
            throw e;
        });
        System.exit(line.execute(args));
    }
}
