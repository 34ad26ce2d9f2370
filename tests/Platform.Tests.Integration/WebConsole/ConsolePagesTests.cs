using System.Net;
using Microsoft.Playwright;
using Platform.Tests.Integration.Controller;
using Platform.Tests.Integration.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Platform.Tests.Integration.WebConsole;

/// <summary>
/// Every page of the console loads against the real stack without a script error, in English and
/// Chinese, at laptop and tablet widths; a user is offered only what their role may do; signing
/// out ends the session. A screenshot of every page is kept with the run's results.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ConsolePagesTests : ConsoleTestBase
{
    /// <summary>The navigation's pages, as an admin sees them.</summary>
    private static readonly string[] Pages =
        ["dashboard", "images", "volumes", "nics", "instances", "drivers", "printers", "driver-disk", "templates", "terminals", "tasks", "audit", "tokens", "users"];

    [Test]
    public async Task Every_page_loads_with_its_data_and_no_error()
    {
        await BlankImageAsync();
        await using var console = await SignedInAdminAsync();
        var links = await console.Page.Locator("#nav a").EvaluateAllAsync<string[]>("links => links.map(link => link.getAttribute('href'))");
        Assert.That(links, Is.EqualTo(Pages.Select(page => "#/" + page).ToArray()), "the navigation lists every page");

        foreach (var page in Pages)
        {
            await console.GoAsync(page);
            await Expect(console.Page.Locator("#nav a[aria-current='page']")).ToHaveAttributeAsync("href", "#/" + page);
            await Expect(console.Page.Locator("main [role='alert']")).ToHaveCountAsync(0);
            await console.ScreenshotAsync("page-" + page);
        }
        await console.GoAsync("dashboard");
        await Expect(console.Page.Locator($".host[data-host='{HostId}'] .badge[data-state='up']")).ToBeVisibleAsync();
        await console.GoAsync("images");
        await Expect(console.Page.Locator("tbody tr")).Not.ToHaveCountAsync(0);
        Assert.That(console.ScriptErrors, Is.Empty);
    }

    /// <summary>
    /// The controller that ./platform up runs, with up's settings, and the first admin's password
    /// as up made it: the console a new user opens first.
    /// </summary>
    [Test]
    public async Task The_console_of_the_environment_signs_in_the_first_admin()
    {
        var url = TestEnvironment.Require("hosts")["PLATFORM_CONTROLLER_URL"];
        var password = (await File.ReadAllTextAsync(Path.Combine(TestEnvironment.StateDirectory, "etc", "admin-password"))).Trim();
        await using var console = await Browser.OpenAsync(url);
        var root = await console.Page.GotoAsync("/");
        Assert.That(root!.Url, Is.EqualTo(url + "/console/"), "the controller's root leads to the console");
        Assert.That(await root.HeaderValueAsync("content-security-policy"), Does.Contain("script-src 'self'"));
        await console.SignInAsync(ControllerProcess.AdminName, password);
        await Expect(console.Page.Locator(".host .badge[data-state='up']")).Not.ToHaveCountAsync(0);
        await console.ScreenshotAsync("environment-dashboard");
        await console.GoAsync("driver-disk");
        await Expect(console.Page.Locator(".driver-disk[data-mount-status]")).ToBeVisibleAsync();
        Assert.That(console.ScriptErrors, Is.Empty);
    }

    [Test]
    public async Task Chinese_labels_and_the_tablet_layout()
    {
        await using var console = await SignedInAdminAsync(ConsoleBrowser.Tablet);
        await console.Page.Locator("#lang").SelectOptionAsync("zh");
        await Expect(console.Page.Locator("html")).ToHaveAttributeAsync("lang", "zh-CN");
        // At tablet width the navigation sits behind the menu button.
        await Expect(console.Page.Locator("#nav a[href='#/images']")).Not.ToBeVisibleAsync();
        var menu = console.Page.Locator(".menu-toggle");
        await menu.ClickAsync();
        await Expect(menu).ToHaveAttributeAsync("aria-expanded", "true");
        await Expect(console.Page.Locator("#nav a[href='#/images']")).ToHaveTextAsync("镜像");
        await console.ScreenshotAsync("tablet-zh-menu");
        await console.Page.Locator("#nav a[href='#/driver-disk']").ClickAsync();
        await console.LoadedAsync("driver-disk");
        await Expect(console.Page.Locator("h1")).ToHaveTextAsync("驱动盘");
        await console.ScreenshotAsync("tablet-zh-driver-disk");

        // The choice is remembered for the next visit.
        await console.Page.ReloadAsync();
        await Expect(console.Page.Locator("#nav a[href='#/instances']")).ToHaveTextAsync("云主机");
        await console.Page.Locator("#lang").SelectOptionAsync("en");
        Assert.That(console.ScriptErrors, Is.Empty);
    }

    [Test]
    public async Task A_viewer_is_offered_nothing_that_changes_and_an_operator_no_users()
    {
        var imageId = await BlankImageAsync();

        await using (var viewer = await SignedInAsAsync("viewer"))
        {
            await viewer.GoAsync("images");
            await Expect(viewer.Row(imageId)).ToBeVisibleAsync();
            await Expect(viewer.Page.Locator(".page-header button")).ToHaveCountAsync(0);
            await Expect(viewer.Row(imageId).GetByRole(AriaRole.Button)).ToHaveTextAsync(["Inspect"]);
            await Expect(viewer.Page.Locator("#nav a[href='#/users']")).ToHaveCountAsync(0);
            await viewer.GoAsync("driver-disk");
            await Expect(viewer.Page.Locator(".driver-disk button")).ToHaveCountAsync(0);
            await viewer.ScreenshotAsync("role-viewer-images");
            // What the page does not offer, the API refuses too: the same rule on both sides.
            var refused = await viewer.Page.EvaluateAsync<int>(
                "async () => (await fetch('/api/v1/images/create', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status");
            Assert.That(refused, Is.EqualTo(403), "a change without the CSRF token, and from a viewer");
            Assert.That(viewer.ScriptErrors, Is.Empty);
        }

        await using var operatorSession = await SignedInAsAsync("operator");
        await operatorSession.GoAsync("images");
        await Expect(operatorSession.Page.Locator(".page-header button")).ToHaveTextAsync(["Create image", "Register image"]);
        await Expect(operatorSession.Row(imageId).GetByRole(AriaRole.Button)).ToHaveTextAsync(["Inspect", "Edit", "Delete"]);
        await Expect(operatorSession.Page.Locator("#nav a[href='#/users']")).ToHaveCountAsync(0);
        Assert.That(operatorSession.ScriptErrors, Is.Empty);
    }

    [Test]
    public async Task A_token_made_in_the_console_is_shown_once_works_and_is_revoked()
    {
        await using var console = await SignedInAsAsync("operator");
        await console.GoAsync("tokens");
        await console.HeaderActionAsync("Create token");
        var name = Unique("ci");
        await console.FillAsync("Name", name);
        await console.SelectAsync("Role", "viewer");
        await console.SubmitAsync("Create");
        var secret = await console.Dialog.GetByLabel("The token").InputValueAsync();
        Infrastructure.TestSecrets.Record(secret, "console-made token");
        Assert.That(secret, Does.StartWith("plt_"));
        await console.Dialog.GetByRole(AriaRole.Button, new() { Name = "Close" }).ClickAsync();
        await console.DialogClosedAsync();
        var row = console.Page.Locator("tr", new() { HasText = name });
        await Expect(row).ToContainTextAsync("viewer");
        // Checked as a flag, so that a failure does not print the token into the test's output.
        Assert.That((await console.Page.ContentAsync()).Contains(secret, StringComparison.Ordinal), Is.False, "the token is not shown again");

        using (var client = new RestClient(Controller.RestUrl, secret))
        {
            var whoami = (await client.GetAsync("/api/v1/auth/whoami")).Ok();
            Assert.That(whoami.GetProperty("role").GetString(), Is.EqualTo("viewer"));
        }
        var tokenId = await row.GetAttributeAsync("data-key") ?? throw new AssertionException("the token's row has no id");
        await console.RowActionAsync(tokenId, "Revoke");
        await console.SubmitAsync("Revoke");
        await console.DialogClosedAsync();
        await Expect(row).ToContainTextAsync("revoked");
        using (var client = new RestClient(Controller.RestUrl, secret))
        {
            Assert.That((await client.GetAsync("/api/v1/auth/whoami")).Status, Is.EqualTo(HttpStatusCode.Unauthorized));
        }
        Assert.That(console.ScriptErrors, Is.Empty);
    }

    [Test]
    public async Task A_user_changes_their_password_and_signs_in_with_the_new_one()
    {
        var (name, password) = await CreateUserAsync("viewer");
        var newPassword = NewPassword("changed");
        await using var console = await Browser.OpenAsync(Controller.RestUrl);
        await console.SignInAsync(name, password);
        await console.Page.GetByRole(AriaRole.Button, new() { Name = "Password", Exact = true }).ClickAsync();
        await console.FillAsync("Current password", password);
        await console.FillAsync("New password", newPassword);
        await console.SubmitAsync("Save");
        await console.DialogClosedAsync();
        await Expect(console.Page.Locator(".notice")).ToContainTextAsync("Password changed.");
        await console.Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await console.SignInAsync(name, newPassword);
        Assert.That(console.ScriptErrors, Is.Empty);
    }

    [Test]
    public async Task Signing_out_ends_the_session_and_a_wrong_password_is_told()
    {
        await using var console = await Browser.OpenAsync(Controller.RestUrl);
        await console.Page.GotoAsync("/");
        await console.Page.GetByLabel("User name").FillAsync(ControllerProcess.AdminName);
        await console.Page.GetByLabel("Password").FillAsync("not the password");
        await console.Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(console.Page.Locator(".sign-in .form-message")).Not.ToBeEmptyAsync();
        await Expect(console.Page.Locator("header.top")).ToBeHiddenAsync();
        await Expect(console.Page.Locator("#nav")).ToBeHiddenAsync();
        await console.ScreenshotAsync("sign-in-refused");

        await console.SignInAsync(ControllerProcess.AdminName, Controller.AdminPassword);
        var cookies = await console.Page.Context.CookiesAsync();
        Assert.That(cookies.Single(cookie => cookie.Name == "platform_session"), Has.Property("HttpOnly").True.And.Property("Secure").True.And.Property("SameSite").EqualTo(SameSiteAttribute.Strict));

        await console.Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(console.Page.Locator(".sign-in")).ToBeVisibleAsync();
        var whoami = await console.Page.APIRequest.GetAsync("/api/v1/auth/whoami");
        Assert.That(whoami.Status, Is.EqualTo((int)HttpStatusCode.Unauthorized), "the session ended on the server");
        await console.Page.ReloadAsync();
        await Expect(console.Page.Locator(".sign-in")).ToBeVisibleAsync();
        Assert.That(console.ScriptErrors, Is.Empty);
    }
}
