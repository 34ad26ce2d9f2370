using System.CommandLine;
using System.CommandLine.Help;
using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.Cli.Agents;
using Platform.Cli.Configuration;
using Platform.Cli.Rest;

namespace Platform.Cli;

/// <summary>The command tree: the REST operations by resource, the agent commands, config, and the route listing.</summary>
internal static class CliApp
{
    public const string RoutesCommand = "routes";

    /// <summary>
    /// What the program runs: a command line the parser refuses exits 2 with a hint (--help
    /// stands even beside such errors, e.g. a missing required option); otherwise the command's
    /// action. <paramref name="invocation"/> redirects the output (tests); the console without.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, InvocationConfiguration? invocation = null)
    {
        var parse = Build().Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not HelpAction)
        {
            var error = invocation?.Error ?? Console.Error;
            foreach (var message in parse.Errors)
            {
                await error.WriteLineAsync($"platformctl: {message.Message}");
            }
            await error.WriteLineAsync("Try 'platformctl --help' (or --help after any command).");
            return (int)ExitCode.BadInput;
        }
        return await parse.InvokeAsync(invocation);
    }

    public static RootCommand Build()
    {
        var root = new RootCommand($"""
            platformctl: operate the platform through the controller's REST API (/api/v1, /thor) and the agents' gRPC API.

            Configuration, later wins: {CliSettings.SystemFile}, ~/.config/platformctl/config.json, --config FILE,
            then PLATFORMCTL_ENDPOINT, PLATFORMCTL_TOKEN, PLATFORMCTL_CA, PLATFORMCTL_CERT, PLATFORMCTL_KEY, then the options.
            A file is a JSON object with any of: endpoint, token, ca, cert, key.

            Operations that start a task (instance create, volume create, disk change, …) follow it with a progress
            bar (plain 'progress:' lines on standard error when not on a terminal) and end with its outcome.

            {ExitCodes.Help}
            """);
        foreach (var option in GlobalOptions.All)
        {
            root.Options.Add(option);
        }
        foreach (var command in RestCommands.Build())
        {
            root.Subcommands.Add(command);
        }
        root.Subcommands.Add(LoginCommand.Build());
        root.Subcommands.Add(AgentCommands.Build());
        root.Subcommands.Add(ConfigCommand());
        root.Subcommands.Add(RoutesListing());
        return root;
    }

    private static Command ConfigCommand()
    {
        var config = new Command("config", "Show the settings in effect and the files they came from (the token is not shown)");
        config.SetAction(parse =>
        {
            var (context, exit) = CliContext.From(parse);
            if (context is null)
            {
                return exit;
            }
            var settings = context.Settings;
            var client = Tls.ClientCertificatePaths(settings);
            var shown = new JsonObject
            {
                ["endpoint"] = settings.Endpoint,
                ["token"] = settings.Token is null ? "(none)" : "(set)",
                ["ca"] = Tls.AuthorityPath(settings) ?? "(none)",
                ["cert"] = client?.Certificate ?? "(none)",
                ["key"] = client?.Key ?? "(none)",
                ["files"] = new JsonArray(settings.Sources.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray()),
            };
            using var document = JsonDocument.Parse(shown.ToJsonString());
            Output.ResultPrinter.Print(context.Console, CliContext.Out, context.Format, document.RootElement);
            return 0;
        });
        return config;
    }

    /// <summary>
    /// Hidden: every REST subcommand with the route it calls, one JSON object a line (the shape of
    /// the controller's --list-routes), so a test can hold the two tables against each other.
    /// </summary>
    private static Command RoutesListing()
    {
        var routes = new Command(RoutesCommand, "The REST route each subcommand calls, as JSON lines") { Hidden = true };
        routes.SetAction(_ =>
        {
            foreach (var operation in RestCatalogue.All)
            {
                CliContext.Out.WriteLine(new JsonObject
                {
                    ["command"] = $"{operation.Group} {operation.Name}",
                    ["method"] = operation.Method,
                    ["pattern"] = operation.Pattern,
                }.ToJsonString());
            }
            return 0;
        });
        return routes;
    }
}
