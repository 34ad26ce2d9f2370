using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.Cli.Output;

namespace Platform.Cli.Rest;

/// <summary>The subcommands of <see cref="RestCatalogue"/>: one group command per resource, one subcommand per operation.</summary>
internal static class RestCommands
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(15);

    public static IEnumerable<Command> Build() =>
        RestCatalogue.All.GroupBy(op => op.Group).Select(group =>
        {
            var command = new Command(group.Key, GroupDescriptions.GetValueOrDefault(group.Key, group.Key));
            foreach (var operation in group)
            {
                command.Subcommands.Add(Build(operation));
            }
            return command;
        });

    private static readonly Dictionary<string, string> GroupDescriptions = new()
    {
        ["image"] = "Images (RBD pool images)",
        ["volume"] = "Volumes",
        ["nic"] = "Network interfaces",
        ["instance"] = "Instances",
        ["host"] = "Compute hosts",
        ["task"] = "Long operations: state, step, percent, error",
        ["audit"] = "The audit trail",
        ["drift"] = "Drift between the inventory and the hosts",
        ["driver"] = "Driver center: system drivers",
        ["disk"] = "Driver center: the driver disk (save, restore, auto-update)",
        ["printer"] = "Driver center: printer drivers",
        ["template"] = "Driver center: templates and their drivers",
        ["terminal"] = "Driver center: terminals and tool-disk distribution",
        ["auth"] = "Sessions, who you are, your password",
        ["token"] = "API tokens",
        ["user"] = "Users and roles (admin)",
    };

    private static Command Build(RestOperation operation)
    {
        var command = new Command(operation.Name, $"{operation.Description}  [{operation.Method} {operation.Pattern}]");
        var fieldOptions = operation.Fields.Select(field => (field, option: FieldOption(field))).ToList();
        foreach (var (_, option) in fieldOptions)
        {
            command.Options.Add(option);
        }
        var set = new Option<string[]>("--set") { Description = "another field as NAME=VALUE (VALUE as JSON when it parses, else text); repeatable" };
        command.Options.Add(set);
        Option<string?>? body = null;
        Option<string>? file = null;
        Option<string>? output = null;
        Argument<string>? name = null;
        Option<bool>? noWait = null;
        Option<int>? timeout = null;
        switch (operation.Shape)
        {
            case RequestShape.Json:
                body = new Option<string?>("--body") { Description = "the request body as a JSON object; the field options override its fields" };
                command.Options.Add(body);
                break;
            case RequestShape.Upload:
                file = new Option<string>("--file") { Description = "the file to upload", Required = true };
                command.Options.Add(file);
                break;
            case RequestShape.Download:
                name = new Argument<string>("name") { Description = "the file's name (from the manifest)" };
                output = new Option<string>("--out") { Description = "where to write it (default: the name, in the current directory)" };
                command.Arguments.Add(name);
                command.Options.Add(output);
                break;
        }
        if (operation.Shape is RequestShape.Json or RequestShape.Upload)
        {
            noWait = new Option<bool>("--no-wait") { Description = "when the operation starts a task, print its answer at once instead of following the task" };
            timeout = new Option<int>("--timeout")
            {
                Description = "seconds to follow a task before giving up (exit 7; the task goes on)",
                DefaultValueFactory = _ => (int)DefaultTimeout.TotalSeconds,
            };
            command.Options.Add(noWait);
            command.Options.Add(timeout);
        }

        command.SetAction(async (parse, ct) =>
        {
            var (context, exit) = CliContext.From(parse);
            if (context is null)
            {
                return exit;
            }
            var fields = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
            if (body is not null && parse.GetValue(body) is { } bodyText)
            {
                if (ParseObject(bodyText) is not { } bodyObject)
                {
                    return CliContext.Fail(new CommandFailure(ExitCode.BadInput, "--body must be a JSON object"));
                }
                foreach (var (key, value) in bodyObject)
                {
                    fields[key] = value?.DeepClone();
                }
            }
            foreach (var assignment in parse.GetValue(set) ?? [])
            {
                var equals = assignment.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    return CliContext.Fail(new CommandFailure(ExitCode.BadInput, $"--set '{assignment}': give NAME=VALUE"));
                }
                fields[assignment[..equals]] = ParseLoose(assignment[(equals + 1)..]);
            }
            foreach (var (field, option) in fieldOptions)
            {
                if (parse.GetResult(option) is not { } given)
                {
                    continue;
                }
                var text = given.Tokens.Count > 0 ? given.Tokens[0].Value : "true";
                var (value, problem) = FieldValues.Convert(field, text);
                if (problem is not null)
                {
                    return CliContext.Fail(new CommandFailure(ExitCode.BadInput, $"{field.OptionName}: {problem}"));
                }
                fields[field.Name] = value;
            }

            using var client = ApiClient.Create(context.Settings);
            ApiOutcome outcome;
            switch (operation.Shape)
            {
                case RequestShape.Query:
                    outcome = await client.GetAsync(operation.Path, fields, ct);
                    break;
                case RequestShape.Upload:
                    var path = parse.GetValue(file!)!;
                    if (!File.Exists(path))
                    {
                        return CliContext.Fail(new CommandFailure(ExitCode.BadInput, $"--file {path}: no such file"));
                    }
                    outcome = await context.WithProgressAsync($"upload {Path.GetFileName(path)}", progress => client.UploadAsync(operation.Path, path, fields, progress, ct));
                    break;
                case RequestShape.Download:
                    var fileName = parse.GetValue(name!)!;
                    var target = parse.GetValue(output!) ?? Path.GetFileName(fileName);
                    outcome = await context.WithProgressAsync($"download {fileName}", progress =>
                        client.DownloadAsync(operation.Path + Uri.EscapeDataString(fileName) + ApiClient.QueryString(fields), target, progress, ct));
                    break;
                default:
                    var request = new JsonObject();
                    foreach (var (key, value) in fields)
                    {
                        request[key] = value;
                    }
                    outcome = await client.SendJsonAsync(operation.Method, operation.Path, request, ct);
                    break;
            }
            if (outcome.Failure is { } unreachable)
            {
                return CliContext.Fail(unreachable);
            }
            var response = outcome.Response!;
            if (!response.IsSuccess)
            {
                return CliContext.Fail(new CommandFailure(response.Exit, response.FailureText));
            }
            if (noWait is not null && !parse.GetValue(noWait) && response.StartedTaskId is { } taskId)
            {
                var waited = await context.WithProgressAsync($"{operation.Group} {operation.Name} ({taskId})", progress =>
                    TaskWaiter.WaitAsync(client, taskId, TimeSpan.FromSeconds(parse.GetValue(timeout!)), progress, ct));
                if (waited.Exit != ExitCode.Ok)
                {
                    return CliContext.Fail(new CommandFailure(waited.Exit, waited.Message!));
                }
                // The answer printed below is the one the request got (its ids); the task's end is told here.
                CliContext.Error.WriteLine($"platformctl: task {taskId} succeeded");
            }
            ResultPrinter.Print(context.Console, CliContext.Out, context.Format, response.Data);
            return 0;
        });
        return command;
    }

    private static Option<string> FieldOption(RestField field) => new(field.OptionName)
    {
        Description = field.Kind switch
        {
            FieldKind.Boolean => $"{field.Description} (true or false; alone: true)",
            FieldKind.Numbers or FieldKind.Texts => $"{field.Description}",
            FieldKind.Json => $"{field.Description} (JSON)",
            _ => field.Description,
        },
        Arity = field.Kind == FieldKind.Boolean ? ArgumentArity.ZeroOrOne : ArgumentArity.ExactlyOne,
        HelpName = field.Kind switch
        {
            FieldKind.Integer => "number",
            FieldKind.Boolean => "bool",
            FieldKind.Numbers => "n,n,…",
            FieldKind.Texts => "id,id,…",
            FieldKind.Json => "json",
            _ => "text",
        },
    };

    private static JsonObject? ParseObject(string text)
    {
        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static JsonNode? ParseLoose(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }
}

/// <summary>A field's command-line text as the JSON value the server reads.</summary>
internal static class FieldValues
{
    public static (JsonNode? Value, string? Problem) Convert(RestField field, string text)
    {
        switch (field.Kind)
        {
            case FieldKind.Integer:
                return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
                    ? (JsonValue.Create(number), null)
                    : (null, $"'{text}' is not a whole number");
            case FieldKind.Boolean:
                return text.ToLowerInvariant() switch
                {
                    "true" => (JsonValue.Create(true), null),
                    "false" => (JsonValue.Create(false), null),
                    _ => (null, $"'{text}' is not true or false"),
                };
            case FieldKind.Numbers:
                var numbers = new JsonArray();
                foreach (var part in Split(text))
                {
                    if (!long.TryParse(part, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var item))
                    {
                        return (null, $"'{part}' is not a whole number");
                    }
                    numbers.Add(item);
                }
                return (numbers, null);
            case FieldKind.Texts:
                return (new JsonArray(Split(text).Select(part => (JsonNode?)JsonValue.Create(part)).ToArray()), null);
            case FieldKind.Json:
                try
                {
                    return (JsonNode.Parse(text), null);
                }
                catch (JsonException e)
                {
                    return (null, $"not JSON: {e.Message}");
                }
            default:
                return (JsonValue.Create(text), null);
        }
    }

    private static string[] Split(string text) =>
        text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
}
