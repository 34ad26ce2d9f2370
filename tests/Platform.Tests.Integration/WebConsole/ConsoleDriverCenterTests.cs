using Microsoft.Playwright;
using Platform.Tests.Integration.DriverDisk;
using static Microsoft.Playwright.Assertions;

namespace Platform.Tests.Integration.WebConsole;

/// <summary>
/// The driver center's pages beyond upload and save: the printer config editor (local, shared,
/// network; the stored password never shown), duplicating a printer driver, relating drivers to a
/// template, and telling a terminal to update — each checked against the API afterwards.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ConsoleDriverCenterTests : ConsoleTestBase
{
    [Test]
    public async Task The_printer_config_editor_switches_types_and_never_shows_the_password()
    {
        var stem = Unique("hp");
        var zip = Archives.Zip(new Dictionary<string, byte[]> { ["hpcu.inf"] = DriverArchives.Text("[Version]\n") }, stem + ".zip");
        var password = Infrastructure.TestSecrets.Record("Sh4red-" + Guid.NewGuid().ToString("N")[..10], "console printer password");
        await using var console = await SignedInAdminAsync();

        await console.GoAsync("printers");
        await console.HeaderActionAsync("Upload printer driver");
        await console.Dialog.Locator("input[type=file]").SetInputFilesAsync(zip);
        await console.SubmitAsync("Upload printer driver");
        await console.DialogClosedAsync();
        var row = console.Page.Locator("tr", new() { HasText = stem });
        await Expect(row).ToHaveCountAsync(1);
        var id = await row.GetAttributeAsync("data-key") ?? throw new AssertionException("the printer's row has no id");

        await console.RowActionAsync(id, "Config");
        await Expect(console.Dialog.Locator("[data-field='port']")).ToBeHiddenAsync();
        await console.SelectAsync("Printer type", "2");
        await Expect(console.Dialog.Locator("[data-field='password']")).ToBeVisibleAsync();
        await Expect(console.Dialog.Locator("[data-field='port']")).ToBeHiddenAsync();
        await console.FillAsync("Printer or host address", "192.0.2.15");
        await console.FillAsync("Account", "print");
        await console.FillAsync("Password", password);
        await console.ScreenshotAsync("printer-config");
        await console.SubmitAsync("Save");
        await console.DialogClosedAsync();
        var shared = await PrinterAsync(id);
        Assert.That((shared.GetProperty("type").GetInt32(), shared.GetProperty("ip").GetString(), shared.GetProperty("has_password").GetBoolean()), Is.EqualTo((2, "192.0.2.15", true)));

        await console.RowActionAsync(id, "Config");
        await Expect(console.Dialog.GetByLabel("Password", new() { Exact = true })).ToHaveValueAsync("");
        await Expect(console.Dialog).ToContainTextAsync("A password is stored; leave empty to keep it.");
        // Checked as a flag, so that a failure does not print the password into the test's output.
        Assert.That((await console.Page.ContentAsync()).Contains(password, StringComparison.Ordinal), Is.False, "the stored password is nowhere in the page");
        await console.SelectAsync("Printer type", "3");
        await Expect(console.Dialog.Locator("[data-field='password']")).ToBeHiddenAsync();
        await console.FillAsync("Port", "9100");
        await console.SubmitAsync("Save");
        await console.DialogClosedAsync();
        var network = await PrinterAsync(id);
        Assert.That((network.GetProperty("type").GetInt32(), network.GetProperty("port").GetInt32(), network.GetProperty("has_password").GetBoolean()), Is.EqualTo((3, 9100, false)),
            "a network printer keeps no password");

        await console.RowActionAsync(id, "Duplicate");
        await Expect(console.Page.Locator("tr", new() { HasText = stem })).ToHaveCountAsync(2);
        await console.ScreenshotAsync("printers");
        Assert.That(console.ScriptErrors, Is.Empty);
    }

    [Test]
    public async Task Drivers_related_to_a_template_make_it_heterogeneous()
    {
        var template = await BlankImageAsync();
        var (iso, stem) = await UniversalDriverFileAsync("tpl");
        var driver = await UploadDriverAsync(iso);
        await using var console = await SignedInAdminAsync();

        await console.GoAsync("templates");
        await console.RowActionAsync(template, "Drivers");
        await console.SelectAsync("Universal driver", driver.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await console.SubmitAsync("Save");
        await console.DialogClosedAsync();
        await Expect(console.Row(template)).ToContainTextAsync(stem);
        await Expect(console.Row(template).Locator("td[data-label='Heterogeneous']")).ToHaveTextAsync("yes");
        await console.ScreenshotAsync("templates");
        var related = (await Api.GetAsync("/thor/voi/image_relate_drive", ("ids", $"[\"{template}\"]"))).Root;
        Assert.That(related.GetProperty("universal_driver_id").GetInt64(), Is.EqualTo(driver));
        Assert.That(console.ScriptErrors, Is.Empty);
    }

    [Test]
    public async Task A_terminal_is_listed_and_told_to_update()
    {
        // A saved disk, so that there is a version to tell terminals of.
        var version = await SaveAsync();
        var name = Unique("pc");
        var mac = $"02:00:00:{Random.Shared.Next(256):x2}:{Random.Shared.Next(256):x2}:{Random.Shared.Next(256):x2}";
        var registered = (await Api.PostAsync("/thor/voi/terminal/register", new { name, mac })).Ok();
        var terminalId = registered.GetProperty("terminal_id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);
        Infrastructure.TestSecrets.Record(registered.GetProperty("token").GetString()!, "console terminal token");
        await using var console = await SignedInAdminAsync();

        await console.GoAsync("terminals");
        await Expect(console.Row(terminalId)).ToContainTextAsync(mac);
        await console.RowActionAsync(terminalId, "Tell to update");
        await Expect(console.Page.Locator(".notice")).ToContainTextAsync($"Told to update to version {version}.");
        await console.ScreenshotAsync("terminals");
        var terminals = (await Api.GetAsync("/thor/voi/terminal")).Ok();
        var listed = terminals.EnumerateArray().Single(terminal => terminal.GetProperty("name").GetString() == name);
        Assert.That(listed.GetProperty("notified_version").GetInt64(), Is.EqualTo(version));
        Assert.That(console.ScriptErrors, Is.Empty);
    }

    private async Task<System.Text.Json.JsonElement> PrinterAsync(string id)
    {
        var printers = (await Api.GetAsync("/thor/voi/printer")).Result();
        return printers.EnumerateArray().Single(printer => printer.GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture) == id);
    }
}
