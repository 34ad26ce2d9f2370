using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Platform.Tests.Integration.Controller.OpenApi;

namespace Platform.Tests.Integration.Controller.Security;

/// <summary>
/// Who may do what on the REST API, tried with real credentials of every kind against every
/// operation of the document the controller serves (which its own tests hold equal to the route
/// table): nobody, a viewer, an operator, an admin, a terminal, and a terminal-enrollment token.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed partial class SecurityTests : ControllerTestBase
{
    /// <summary>The only calls that take no credentials.</summary>
    private static readonly string[] PublicOperations = ["POST /api/v1/auth/login"];

    private const string Registration = "POST /thor/voi/terminal/register";

    private Credential _viewer = null!;
    private Credential _operator = null!;
    private Credential _admin = null!;
    private Credential _terminal = null!;
    private Credential _enrollment = null!;

    private sealed record Credential(string Role, string Token, string? Name = null, string? Password = null);

    [OneTimeSetUp]
    public async Task CreateCredentialsAsync()
    {
        _admin = new Credential("admin", Controller.Token, ControllerProcess.AdminName, Controller.AdminPassword);
        _viewer = await UserAsync("viewer");
        _operator = await UserAsync("operator");
        var terminal = (await Api.PostAsync("/thor/voi/terminal/register", new { name = "matrix-terminal", mac = "52:54:00:5e:c0:01" })).Ok();
        _terminal = new Credential("terminal", Infrastructure.TestSecrets.Record(terminal.GetProperty("token").GetString()!, "terminal token"));
        using var operatorApi = new RestClient(Controller.RestUrl, _operator.Token);
        var enrollment = (await operatorApi.PostAsync("/api/v1/auth/tokens/create", new { name = "matrix-enrollment", role = "terminal-enrollment" })).Ok();
        _enrollment = new Credential("terminal-enrollment", Infrastructure.TestSecrets.Record(enrollment.GetProperty("token").GetString()!, "enrollment token"));
    }

    /// <summary>
    /// Every operation of the document with each credential, expected by a rule this test states
    /// on its own (not read from the controller): signing in takes anyone; registering a terminal
    /// an operator, an admin, an enrollment token or a terminal; the other terminal calls only a
    /// terminal; an enrollment token nothing else; /api/v1/users only admins; /api/v1/auth any
    /// user; other reads any user, other changes operators and admins. "Allowed" is any answer but 401 and 403 (an empty
    /// request is mostly refused as invalid, which is past the access check). The document's
    /// security of each operation says the same.
    /// </summary>
    [Test]
    public async Task Every_operation_answers_each_role_as_the_access_rules_say()
    {
        var description = await ServedApiDescription.FetchAsync(Controller.RestUrl);
        using var caller = new ApiCaller(Controller.RestUrl, defaultToken: null);
        var problems = new List<string>();
        var operations = description.Operations.Where(o => o.Method != "HEAD").ToList();
        foreach (var operation in operations)
        {
            var path = FileParameter().Replace(operation.Path, "no-such-file");
            foreach (var (who, token) in new (string, string?)[] { ("anonymous", null), ("viewer", _viewer.Token), ("operator", _operator.Token), ("admin", _admin.Token), ("terminal", _terminal.Token), ("terminal-enrollment", _enrollment.Token) })
            {
                var expected = Expected(operation, who);
                var answer = operation.Method == "GET"
                    ? await caller.SendAsync("GET", path, token: token ?? "")
                    : await caller.SendAsync(operation.Method, path, json: new { }, token: token ?? "");
                var actual = answer.Status switch { 401 => Outcome.Unauthenticated, 403 => Outcome.Forbidden, _ => Outcome.Allowed };
                if (answer.Status >= 500)
                {
                    problems.Add($"{operation} as {who}: {answer}");
                }
                else if (actual != expected)
                {
                    problems.Add($"{operation} as {who}: expected {expected}, got {answer}");
                }
                else if (actual != Outcome.Allowed)
                {
                    var code = answer.Json.GetProperty("code").GetInt32();
                    if (code / 100 != answer.Status)
                    {
                        problems.Add($"{operation} as {who}: {answer.Status} with code {code}");
                    }
                }
            }
            problems.AddRange(DocumentedSecurityProblems(operation));
        }
        Assert.That(operations, Has.Count.GreaterThan(60));
        Assert.That(problems, Is.Empty);
    }

    private enum Outcome
    {
        Allowed,
        Unauthenticated,
        Forbidden,
    }

    private static Outcome Expected(DescribedOperation operation, string who)
    {
        var key = $"{operation.Method} {operation.Path}";
        if (PublicOperations.Contains(key))
        {
            return Outcome.Allowed;
        }
        if (who == "anonymous")
        {
            return Outcome.Unauthenticated;
        }
        if (key == Registration)
        {
            return who == "viewer" ? Outcome.Forbidden : Outcome.Allowed;
        }
        if (who == "terminal-enrollment")
        {
            return Outcome.Forbidden;
        }
        if (IsTerminalCall(operation))
        {
            return who == "terminal" ? Outcome.Allowed : Outcome.Forbidden;
        }
        if (who == "terminal")
        {
            return Outcome.Forbidden;
        }
        if (operation.Path.StartsWith("/api/v1/users/", StringComparison.Ordinal))
        {
            return who == "admin" ? Outcome.Allowed : Outcome.Forbidden;
        }
        if (operation.Path.StartsWith("/api/v1/auth/", StringComparison.Ordinal) || operation.Method == "GET")
        {
            return Outcome.Allowed;
        }
        return who == "viewer" ? Outcome.Forbidden : Outcome.Allowed;
    }

    private static bool IsTerminalCall(DescribedOperation operation) =>
        operation.Path.StartsWith("/thor/voi/terminal/", StringComparison.Ordinal)
        && operation.Path is not "/thor/voi/terminal/register" and not "/thor/voi/terminal/notify" and not "/thor/voi/terminal/update_status";

    /// <summary>What the document says about the operation's security, against the same rule.</summary>
    private static IEnumerable<string> DocumentedSecurityProblems(DescribedOperation operation)
    {
        var schemes = (operation.Operation["security"]?.AsArray() ?? [])
            .SelectMany(requirement => requirement!.AsObject().Select(scheme => scheme.Key)).Order().ToList();
        var key = $"{operation.Method} {operation.Path}";
        string[] expected = PublicOperations.Contains(key) ? []
            : key == Registration ? ["api_token", "session", "terminal_token"]
            : IsTerminalCall(operation) ? ["terminal_token"]
            : ["api_token", "session"];
        if (!schemes.SequenceEqual(expected))
        {
            yield return $"{operation}: the document's security is [{string.Join(", ", schemes)}], expected [{string.Join(", ", expected)}]";
        }
    }

    private async Task<Credential> UserAsync(string role)
    {
        var (name, password, token) = await CreateUserWithTokenAsync(role);
        return new Credential(role, token, name, password);
    }

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex FileParameter();

    private static async Task<JsonElement> JsonOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    private static void AssertRefused(HttpResponseMessage response, JsonElement body, HttpStatusCode status, int code)
    {
        Assert.That((response.StatusCode, body.GetProperty("code").GetInt32()), Is.EqualTo((status, code)), body.ToString());
    }
}
