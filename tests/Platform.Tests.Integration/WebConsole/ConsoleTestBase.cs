using Platform.Tests.Integration.Controller;
using Platform.Tests.Integration.Controller.DriverCenter;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.WebConsole;

/// <summary>
/// The console as the controller serves it, in Debian's Chromium, against the fixture's real
/// controller, agent, Ceph and libvirt (and the driver center on that agent). Each test signs in
/// in a profile of its own; the browser is shared by the fixture.
/// </summary>
public abstract class ConsoleTestBase : DriverCenterTestBase
{
    private ConsoleBrowser? _browser;

    private protected ConsoleBrowser Browser => _browser ?? throw new InvalidOperationException("no browser");

    [OneTimeSetUp]
    public async Task LaunchBrowserAsync() => _browser = await ConsoleBrowser.LaunchAsync();

    [OneTimeTearDown]
    public async Task CloseBrowserAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
    }

    /// <summary>A new profile signed in as the fixture's first admin.</summary>
    private protected async Task<ConsoleSession> SignedInAdminAsync(Microsoft.Playwright.ViewportSize? viewport = null)
    {
        var session = await Browser.OpenAsync(Controller.RestUrl, viewport);
        await session.SignInAsync(ControllerProcess.AdminName, Controller.AdminPassword);
        return session;
    }

    /// <summary>A user of <paramref name="role"/> made through the API, and a profile signed in as them.</summary>
    private protected async Task<ConsoleSession> SignedInAsAsync(string role)
    {
        var (name, password) = await CreateUserAsync(role);
        var session = await Browser.OpenAsync(Controller.RestUrl);
        await session.SignInAsync(name, password);
        return session;
    }

    private protected static string NewPassword(string what) =>
        TestSecrets.Record(Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(15)), $"console {what} password");
}
