using System.CommandLine;
using System.Net;
using System.Text.Json.Nodes;
using Platform.Cli.Configuration;
using Spectre.Console;

namespace Platform.Cli.Rest;

/// <summary>
/// <c>platformctl login</c>: signs in with a user's password, creates an API token for this
/// machine, saves it in a settings file (0600) and signs the session out again. The password
/// is only sent, never stored.
/// </summary>
internal static class LoginCommand
{
    private const string CsrfHeader = "X-CSRF-Token";

    public static Command Build()
    {
        var user = new Option<string>("--user") { Description = "the user to sign in as", Required = true };
        var passwordFile = new Option<string?>("--password-file") { Description = "read the password from this file's first line (default: ask; or PLATFORMCTL_PASSWORD)" };
        var tokenName = new Option<string?>("--token-name") { Description = "the new token's name (default: platformctl on HOST at TIME)" };
        var role = new Option<string?>("--role") { Description = "the token's role, at most the user's (default: the user's)" };
        var save = new Option<string?>("--save") { Description = "the settings file to save the token in (default: ~/.config/platformctl/config.json)" };
        var command = new Command("login", "Sign in with a password and save an API token for the following commands") { user, passwordFile, tokenName, role, save };
        command.SetAction((parse, ct) => RunAsync(parse, parse.GetValue(user)!, parse.GetValue(passwordFile), parse.GetValue(tokenName), parse.GetValue(role), parse.GetValue(save), ct));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, string user, string? passwordFile, string? tokenName, string? role, string? save, CancellationToken ct)
    {
        var (context, exit) = CliContext.From(parse);
        if (context is null)
        {
            return exit;
        }
        var password = ReadPassword(context, passwordFile);
        if (password is null)
        {
            return CliContext.Fail(new CommandFailure(ExitCode.BadInput, "no password: give --password-file, PLATFORMCTL_PASSWORD, or run on a terminal to be asked"));
        }
        // A client of its own: no token of the settings, and a cookie jar for the session.
        var handler = Tls.Handler(context.Settings);
        handler.CookieContainer = new CookieContainer();
        using var http = new HttpClient(handler) { BaseAddress = new Uri(context.Settings.Endpoint + "/"), Timeout = TimeSpan.FromSeconds(60) };
        using var client = new ApiClient(context.Settings with { Token = null }, http);

        var signedIn = await client.SendJsonAsync("POST", "/api/v1/auth/login", new JsonObject { ["name"] = user, ["password"] = password }, ct);
        if (Failure(signedIn) is { } refused)
        {
            return CliContext.Fail(refused);
        }
        var data = signedIn.Response!.Data!.Value;
        http.DefaultRequestHeaders.Add(CsrfHeader, data.GetProperty("csrf_token").GetString());
        var request = new JsonObject { ["name"] = tokenName ?? $"platformctl on {Environment.MachineName} at {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss}" };
        if (role is not null)
        {
            request["role"] = role;
        }
        var created = await client.SendJsonAsync("POST", "/api/v1/auth/tokens/create", request, ct);
        // The session was only for making the token.
        await client.SendJsonAsync("POST", "/api/v1/auth/logout", new JsonObject(), ct);
        if (Failure(created) is { } notCreated)
        {
            return CliContext.Fail(notCreated);
        }
        var token = created.Response!.Data!.Value;
        var file = save ?? CliSettings.UserFile(Environment.GetEnvironmentVariable);
        if (SaveToken(file, token.GetProperty("token").GetString()!) is { } problem)
        {
            return CliContext.Fail(new CommandFailure(ExitCode.Other, problem));
        }
        CliContext.Out.WriteLine($"signed in as {user} ({data.GetProperty("role").GetString()}); token {token.GetProperty("token_id").GetString()} ({token.GetProperty("role").GetString()}) saved in {file}");
        return 0;
    }

    private static CommandFailure? Failure(ApiOutcome outcome) =>
        outcome.Failure ?? (outcome.Response is { IsSuccess: false } failed ? new CommandFailure(failed.Exit, failed.Message) : null);

    private static string? ReadPassword(CliContext context, string? file)
    {
        if (file is not null)
        {
            return File.Exists(file) ? File.ReadLines(file).FirstOrDefault() : null;
        }
        if (Environment.GetEnvironmentVariable("PLATFORMCTL_PASSWORD") is { Length: > 0 } given)
        {
            return given;
        }
        return context.Interactive ? context.Progress.Prompt(new TextPrompt<string>("Password:").Secret()) : null;
    }

    /// <summary>Sets "token" in the JSON settings file, keeping its other settings; the file is made 0600.</summary>
    private static string? SaveToken(string file, string token)
    {
        try
        {
            var settings = File.Exists(file) ? JsonNode.Parse(File.ReadAllText(file)) as JsonObject : new JsonObject();
            if (settings is null)
            {
                return $"{file} is not a JSON object; not changed";
            }
            settings["token"] = token;
            if (Path.GetDirectoryName(Path.GetFullPath(file)) is { } directory && !Directory.Exists(directory))
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            var temporary = file + ".tmp";
            using (var stream = new FileStream(temporary, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(settings.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            }
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.Move(temporary, file, overwrite: true);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            return $"cannot save the token in {file}: {e.Message}";
        }
    }
}
