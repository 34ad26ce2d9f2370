using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Platform.Tests.Integration.Controller.DriverCenter;

namespace Platform.Tests.Integration.Controller.Security;

/// <summary>
/// An audit row names who made the change whatever the credentials: a console session
/// (<c>alice (session)</c>) and a terminal (<c>terminal 7 (pc-12)</c>); tokens are covered by
/// SecurityTests. The terminal's audited change is a printer driver it uploads, which needs the
/// driver center, hence this fixture's base.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class AuditPrincipalTests : DriverCenterTestBase
{
    [Test]
    public async Task A_change_made_in_a_console_session_is_audited_as_the_sessions_user()
    {
        var (name, password) = await CreateUserAsync("operator", "console-operator");
        var (session, csrf) = await ApiSignIn.SessionAsync(Controller.RestUrl, name, password);
        using (session)
        {
            var created = await SessionPostAsync(session, csrf, "/api/v1/network/create", new { network_interface_name = Unique("session-audited") });
            var nicId = created.GetProperty("network_interface_id").GetString()!;
            await SessionPostAsync(session, csrf, "/api/v1/network/delete", new { network_interface_id = nicId });

            var principals = await PrincipalsOfAsync(nicId);
            Assert.That(principals, Has.Count.EqualTo(2).And.All.EqualTo($"{name} (session)"));
        }
    }

    [Test]
    public async Task A_printer_driver_a_terminal_uploads_is_audited_as_that_terminal()
    {
        var mac = string.Join(':', new[] { "52", "54", "00" }.Concat(RandomNumberGenerator.GetBytes(3).Select(b => b.ToString("x2"))));
        var terminalName = Unique("audit-term");
        var registered = (await Api.PostAsync("/thor/voi/terminal/register", new { name = terminalName, mac })).Ok();
        var terminalId = registered.GetProperty("terminal_id").GetInt64();
        using var terminal = ApiSignIn.Client(Controller.RestUrl, registered.GetProperty("token").GetString()!, TimeSpan.FromMinutes(3));

        var zip = Archives.Zip(new Dictionary<string, byte[]> { ["extracted/printer.inf"] = [1, 2, 3] }, Unique("terminal-printer") + ".zip");
        using var form = new MultipartFormDataContent();
        await using var stream = File.OpenRead(zip);
        form.Add(new StreamContent(stream), "file", Path.GetFileName(zip));
        using var response = await terminal.PostAsync("/thor/voi/terminal/printer/upload", form);
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        var printerId = JsonDocument.Parse(body).RootElement.GetProperty("result")[0].GetProperty("id").GetInt64();

        var principals = await PrincipalsOfAsync($"printer-{printerId}");
        Assert.That(principals, Is.EqualTo(new[] { $"terminal {terminalId} ({terminalName})" }));
    }

    /// <summary>The principal of every audit row of <paramref name="resourceId"/>, read by the fixture's admin.</summary>
    private async Task<List<string?>> PrincipalsOfAsync(string resourceId) =>
        (await Api.GetAsync("/api/v1/audit/list", ("resource_id", resourceId))).Ok().GetProperty("items").EnumerateArray()
            .Select(e => e.GetProperty("principal").GetString()).ToList();

    /// <summary>A change as the console sends it: the session cookie, its CSRF token and the console's own origin.</summary>
    private async Task<JsonElement> SessionPostAsync(HttpClient session, string csrf, string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add(ApiSignIn.CsrfHeader, csrf);
        request.Headers.Add("Origin", Controller.RestUrl);
        using var response = await session.SendAsync(request);
        var answer = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"{path}: {answer}");
        return JsonDocument.Parse(answer).RootElement.GetProperty("data").Clone();
    }
}
