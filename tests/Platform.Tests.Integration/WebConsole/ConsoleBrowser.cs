using Microsoft.Playwright;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.WebConsole;

/// <summary>
/// Debian's Chromium driven by Playwright (its own browser download is not what we run): headless,
/// without the background traffic that a closed network refuses. One browser per fixture; every
/// test signs in in a context of its own.
/// </summary>
internal sealed class ConsoleBrowser : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>A laptop's window; <see cref="Tablet"/> for the narrow layout.</summary>
    public static readonly ViewportSize Laptop = new() { Width = 1366, Height = 860 };

    public static readonly ViewportSize Tablet = new() { Width = 820, Height = 1180 };

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private ConsoleBrowser(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        _browser = browser;
    }

    /// <summary>Where the run keeps the console's screenshots: beside the test results.</summary>
    public static string ScreenshotDirectory => Directory.CreateDirectory(Path.Combine(TestEnvironment.StateDirectory, "results", "console")).FullName;

    public static async Task<ConsoleBrowser> LaunchAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            TestEnvironment.CannotRun($"{ChromiumPath} is missing (Debian's chromium package; ./platform test installs it)");
        }
        // Pages wait on the real stack (a host call, a task's next poll): more than Playwright's 5 s.
        Assertions.SetDefaultExpectTimeout(20_000);
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                // The tests run as root, where Chromium's sandbox cannot start.
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        });
        return new ConsoleBrowser(playwright, browser);
    }

    /// <summary>A fresh browser profile (no cookies) at the console of <paramref name="restUrl"/>.</summary>
    public async Task<ConsoleSession> OpenAsync(string restUrl, ViewportSize? viewport = null, string locale = "en-US")
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = restUrl,
            // The controller's certificate is of the test run's own CA, which this profile does not know.
            IgnoreHTTPSErrors = true,
            ViewportSize = viewport ?? Laptop,
            Locale = locale,
        });
        context.SetDefaultTimeout(20_000);
        var page = await context.NewPageAsync();
        return new ConsoleSession(context, page);
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.CloseAsync();
        _playwright.Dispose();
    }
}
