using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Platform.Tests.Integration.WebConsole;

/// <summary>
/// One signed-in (or signing-in) browser profile on the console, with what the journeys do with
/// it: go to a page, find a row by its resource id, fill the open dialog, take a screenshot. It
/// records every script error of the page, which a test then asserts there were none of.
/// </summary>
internal sealed partial class ConsoleSession : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly List<string> _scriptErrors = [];

    public ConsoleSession(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
        page.PageError += (_, error) => _scriptErrors.Add(error);
        page.Console += (_, message) =>
        {
            // An answer of 4xx is logged by Chromium as "Failed to load resource"; the console
            // shows those to the user, so they are not errors of the console itself.
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
            {
                _scriptErrors.Add(message.Text);
            }
        };
    }

    public IPage Page { get; }

    /// <summary>Uncaught errors and console.error lines of the console's scripts so far.</summary>
    public IReadOnlyList<string> ScriptErrors => _scriptErrors;

    /// <summary>The open dialog (a form or a panel).</summary>
    public ILocator Dialog => Page.Locator("dialog[open]");

    public async Task SignInAsync(string name, string password)
    {
        await Page.GotoAsync("/");
        await Page.GetByLabel("User name").FillAsync(name);
        await Page.GetByLabel("Password").FillAsync(password);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(Page.Locator("#who")).ToContainTextAsync(name);
        await RecordSessionSecretsAsync(name);
    }

    /// <summary>The profile's session cookie and the session's CSRF token, for the run's secret scan.</summary>
    private async Task RecordSessionSecretsAsync(string name)
    {
        var cookies = (await _context.CookiesAsync()).Where(c => c.Name == Controller.ApiSignIn.SessionCookie).ToList();
        Assert.That(cookies, Is.Not.Empty, $"signing in as {name} set no session cookie");
        foreach (var cookie in cookies)
        {
            Infrastructure.TestSecrets.Record(cookie.Value, $"console session cookie of {name}");
        }
        // The console keeps the token in a script variable; the whoami it reads it from answers it to the session.
        var csrf = await Page.EvaluateAsync<string?>("fetch('/api/v1/auth/whoami').then(r => r.json()).then(j => j.data.csrf_token)");
        Assert.That(csrf, Is.Not.Null.And.Not.Empty, $"the session of {name} has no CSRF token");
        Infrastructure.TestSecrets.Record(csrf!, $"console CSRF token of {name}");
    }

    /// <summary>Opens a page by its navigation link and waits until its content has loaded.</summary>
    public async Task GoAsync(string pageKey)
    {
        await Page.Locator($"#nav a[href='#/{pageKey}']").ClickAsync();
        await LoadedAsync(pageKey);
    }

    public async Task LoadedAsync(string pageKey)
    {
        await Expect(Page.Locator($".page[data-page='{pageKey}']")).ToBeVisibleAsync();
        // A list says what it shows once loaded ("1–3 of 3", "Nothing here yet.", or the failure).
        foreach (var status in await Page.Locator(".list-status").AllAsync())
        {
            await Expect(status).Not.ToHaveTextAsync(new Regex("^(|Loading…|加载中…)$"));
        }
    }

    /// <summary>The row of a resource in the page's list.</summary>
    public ILocator Row(string key) => Page.Locator($"tr[data-key='{key}']");

    /// <summary>Clicks a button of the page header (create, register, upload …).</summary>
    public Task HeaderActionAsync(string name) =>
        Page.Locator(".page-header").GetByRole(AriaRole.Button, new() { Name = name, Exact = true }).ClickAsync();

    public Task RowActionAsync(string key, string name) =>
        Row(key).GetByRole(AriaRole.Button, new() { Name = name, Exact = true }).ClickAsync();

    public Task FillAsync(string label, string value) => Dialog.GetByLabel(label, new() { Exact = true }).FillAsync(value);

    public async Task SelectAsync(string label, string value) => await Dialog.GetByLabel(label, new() { Exact = true }).SelectOptionAsync(value);

    /// <summary>Submits the open dialog with its button named <paramref name="name"/>.</summary>
    public Task SubmitAsync(string name) => Dialog.GetByRole(AriaRole.Button, new() { Name = name, Exact = true }).ClickAsync();

    /// <summary>
    /// Waits until the dialog has closed and left the page (the server accepted what it sent).
    /// Closing clears its open attribute at once and removes it a moment later (on its close event).
    /// </summary>
    public Task DialogClosedAsync() => Expect(Page.Locator("dialog")).ToHaveCountAsync(0);

    /// <summary>The state badge in a row reaches <paramref name="state"/>.</summary>
    public Task RowStateAsync(string key, string state, TimeSpan timeout) =>
        Expect(Row(key).Locator($".badge[data-state='{state}']")).ToBeVisibleAsync(new() { Timeout = (float)timeout.TotalMilliseconds });

    /// <summary>A full-page screenshot kept with the run's results.</summary>
    public async Task<string> ScreenshotAsync(string name)
    {
        var path = Path.Combine(ConsoleBrowser.ScreenshotDirectory, name + ".png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        TestContext.AddTestAttachment(path, name);
        return path;
    }

    /// <summary>The resource id that the page's address names (#/instances/i-…).</summary>
    public string IdInAddress() => AddressId().Match(Page.Url) is { Success: true } match ? match.Groups[1].Value : throw new InvalidOperationException($"no id in {Page.Url}");

    [GeneratedRegex(@"#/[a-z-]+/([a-z]+-[0-9a-f]{8})$")]
    private static partial Regex AddressId();

    /// <summary>Closes the profile, keeping how its page looked last (what a failed journey left on screen).</summary>
    public async ValueTask DisposeAsync()
    {
        var last = Directory.CreateDirectory(Path.Combine(ConsoleBrowser.ScreenshotDirectory, "last")).FullName;
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(last, TestContext.CurrentContext.Test.Name + ".png"), FullPage = true });
        await _context.CloseAsync();
    }
}
