using System.Net;
using Microsoft.Playwright;
using Platform.Tests.Integration.Controller;
using Platform.Tests.Integration.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Platform.Tests.Integration.WebConsole;

/// <summary>
/// The console's main journeys, clicked through as an operator would, each checked in the browser
/// and against the platform itself (inventory, libvirt, RBD): an image registered, an instance
/// created and watched until it runs, a volume mounted and unmounted, a NIC attached, the instance
/// destroyed; a driver uploaded and the driver disk saved; failures shown with the server's text.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ConsoleJourneyTests : ConsoleTestBase
{
    private static readonly TimeSpan TaskTimeout = TimeSpan.FromMinutes(3);

    [Test]
    public async Task Register_an_image_run_an_instance_mount_a_volume_attach_a_nic_and_destroy_it()
    {
        var poolImage = await ImportGuestImageAsync();
        await using var console = await SignedInAdminAsync();

        await console.GoAsync("images");
        await console.HeaderActionAsync("Register image");
        await console.SelectAsync("Image in the pool", poolImage);
        await console.FillAsync("Name", "tiny guest");
        await console.SubmitAsync("Register image");
        await console.DialogClosedAsync();
        await console.RowStateAsync(poolImage, "available", TaskTimeout);
        await console.ScreenshotAsync("images");

        await console.GoAsync("instances");
        await console.HeaderActionAsync("Create instance");
        var instanceName = Unique("web");
        await console.FillAsync("Name", instanceName);
        await console.SelectAsync("Image", poolImage);
        await console.FillAsync("Memory (MiB)", "128");
        await console.Dialog.GetByRole(AriaRole.Button, new() { Name = "Add a data volume" }).ClickAsync();
        await console.FillAsync("Name (New data volumes)", "data");
        await console.Dialog.GetByRole(AriaRole.Button, new() { Name = "Add a network interface" }).ClickAsync();
        await console.FillAsync("Name (New network interfaces)", "eth-web");
        await console.ScreenshotAsync("instance-create");
        await console.SubmitAsync("Create");
        await Expect(console.Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("#/instances/i-[0-9a-f]{8}$"));
        var instanceId = console.IdInAddress();
        OnCleanUp(() => DestroyLeftoverAsync(instanceId));
        await Expect(console.Page.Locator(".task-panel[data-state='succeeded']")).ToBeVisibleAsync(new() { Timeout = (float)TaskTimeout.TotalMilliseconds });
        await Expect(console.Page.Locator(".facts .badge[data-state='running']")).ToBeVisibleAsync();
        await Expect(console.Page.Locator(".instance-detail table")).ToHaveCountAsync(2);
        await console.ScreenshotAsync("instance-detail");
        Assert.That(await DomainStateAsync(instanceId), Is.EqualTo("running"), "libvirt runs the domain the console shows running");
        // Hot-unplugging needs the guest's cooperation: wait for its OS, as a user would.
        await SerialSaysAsync(SerialLogOf(instanceId), ReadyMarker, BootTimeout);

        var volumeName = Unique("vol");
        await console.GoAsync("volumes");
        await console.HeaderActionAsync("Create volume");
        await console.FillAsync("Name", volumeName);
        await console.SubmitAsync("Create");
        await console.DialogClosedAsync();
        var volumeRow = console.Page.Locator("tr", new() { HasText = volumeName });
        await Expect(volumeRow.Locator(".badge[data-state='available']")).ToBeVisibleAsync(new() { Timeout = (float)TaskTimeout.TotalMilliseconds });
        var volumeId = await volumeRow.GetAttributeAsync("data-key") ?? throw new AssertionException("the volume's row has no id");
        await console.RowActionAsync(volumeId, "Mount");
        await console.SelectAsync("Instance", instanceId);
        await console.SubmitAsync("Mount");
        await console.DialogClosedAsync();
        await console.RowStateAsync(volumeId, "in-use", TaskTimeout);
        Assert.That(await Virsh("domblklist", instanceId), Does.Contain(volumeId), "the volume is plugged into the domain");
        await console.ScreenshotAsync("volumes");
        await console.RowActionAsync(volumeId, "Unmount");
        await console.SubmitAsync("Unmount");
        await console.DialogClosedAsync();
        await console.RowStateAsync(volumeId, "available", TaskTimeout);
        Assert.That(await Virsh("domblklist", instanceId), Does.Not.Contain(volumeId), "the volume is unplugged");

        var nicName = Unique("nic");
        await console.GoAsync("nics");
        await console.HeaderActionAsync("Create network interface");
        await console.FillAsync("Name", nicName);
        await console.SubmitAsync("Create");
        await console.DialogClosedAsync();
        var nicRow = console.Page.Locator("tr", new() { HasText = nicName });
        await Expect(nicRow.Locator(".badge[data-state='idle']")).ToBeVisibleAsync();
        var nicId = await nicRow.GetAttributeAsync("data-key") ?? throw new AssertionException("the NIC's row has no id");
        var mac = await nicRow.Locator("td[data-label='MAC']").InnerTextAsync();
        await console.RowActionAsync(nicId, "Attach");
        await console.SelectAsync("Instance", instanceId);
        await console.SubmitAsync("Attach");
        await console.DialogClosedAsync();
        await console.RowStateAsync(nicId, "attached", TaskTimeout);
        Assert.That(await Virsh("domiflist", instanceId), Does.Contain(mac.Trim()), "the interface is plugged into the domain");
        await console.ScreenshotAsync("nics");

        await console.Page.GotoAsync($"/console/#/instances/{instanceId}");
        await console.Page.Locator(".page-header").GetByRole(AriaRole.Button, new() { Name = "Destroy" }).ClickAsync();
        await console.SubmitAsync("Destroy");
        await console.DialogClosedAsync();
        await Eventually.HoldsAsync(async () => (await Api.GetAsync("/api/v1/instance/detail", ("instance_id", instanceId))).Status == HttpStatusCode.NotFound,
            TaskTimeout, "the instance is gone from the inventory");
        Assert.That(await DomainExistsAsync(instanceId), Is.False, "the domain is undefined");
        await console.GoAsync("instances");
        await Expect(console.Row(instanceId)).ToHaveCountAsync(0);
        Assert.That(console.ScriptErrors, Is.Empty);
    }

    [Test]
    public async Task Upload_a_driver_with_progress_and_save_the_driver_disk_back_to_normal()
    {
        var (iso, stem) = await UniversalDriverFileAsync("web");
        await using var console = await SignedInAdminAsync();

        await console.GoAsync("drivers");
        await console.HeaderActionAsync("Upload driver");
        await console.Dialog.Locator("input[type=file]").SetInputFilesAsync(iso);
        await console.FillAsync("Description", "uploaded in the console");
        await console.SubmitAsync("Upload driver");
        await console.DialogClosedAsync();
        await Expect(console.Page.Locator("tr", new() { HasText = stem })).ToContainTextAsync("uploaded in the console");
        Assert.That(File.Exists(BackupPath($"sys/wang/{stem}/net/e1000.sys")), "the driver reached the disk's backup folder");
        await console.ScreenshotAsync("drivers");

        await console.GoAsync("driver-disk");
        var disk = console.Page.Locator(".driver-disk[data-mount-status='1']");
        await Expect(disk).ToBeVisibleAsync();
        var version = int.Parse(await disk.GetAttributeAsync("data-version") ?? "", System.Globalization.CultureInfo.InvariantCulture);
        await console.Page.GetByRole(AriaRole.Button, new() { Name = "Save (merge)" }).ClickAsync();
        await Expect(console.Page.Locator($".driver-disk[data-mount-status='1'][data-version='{version + 1}']"))
            .ToBeVisibleAsync(new() { Timeout = (float)SaveTimeout.TotalMilliseconds });
        await console.ScreenshotAsync("driver-disk");
        var state = (await Api.GetAsync("/thor/voi/driver/mount")).Result();
        Assert.That((state.GetProperty("mount_status").GetInt32(), state.GetProperty("version").GetInt32()), Is.EqualTo((1, version + 1)));
        Assert.That(console.ScriptErrors, Is.Empty);
    }

    [Test]
    public async Task A_refused_operation_shows_the_servers_message_and_changes_nothing()
    {
        await using var console = await SignedInAdminAsync();

        // The seed's own message, in Chinese as the API answers it.
        var notADriver = Path.Combine(WorkDirectory, Unique("readme") + ".txt");
        await File.WriteAllTextAsync(notADriver, "not a driver");
        await console.GoAsync("drivers");
        await console.HeaderActionAsync("Upload driver");
        await console.Dialog.Locator("input[type=file]").SetInputFilesAsync(notADriver);
        await console.SubmitAsync("Upload driver");
        await Expect(console.Dialog.Locator(".form-message")).ToContainTextAsync("不是一个可接受的文件类型");
        await console.ScreenshotAsync("failure-upload");
        await console.Dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();

        // Every violation at once: the message on top, each beside its field.
        await console.GoAsync("images");
        await console.HeaderActionAsync("Create image");
        await console.FillAsync("Name", "bad/name<script>");
        await console.SubmitAsync("Create");
        await Expect(console.Dialog.Locator(".form-message")).ToContainTextAsync("image_name");
        await Expect(console.Dialog.Locator("[data-field='image_name'] .field-error")).Not.ToBeEmptyAsync();
        await console.ScreenshotAsync("failure-validation");
        await console.Dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM images WHERE image_name = @name", ("name", "bad/name<script>")), Is.Zero);

        // A conflict: a volume on an instance cannot be deleted; the row says why after the attempt.
        var imageId = await BlankImageAsync();
        var instance = (await Api.PostAsync("/api/v1/instance/create", new { instance_name = Unique("busy"), image_id = imageId, cpu = 1, memory = 64, data_volumes = new[] { new { volume_name = "held", volume_size = 1 } } })).Ok();
        var instanceId = instance.GetProperty("instance_id").GetString()!;
        OnCleanUp(() => DestroyLeftoverAsync(instanceId));
        await WaitForTaskAsync(instanceId, instance.GetProperty("task_id").GetString()!, TaskTimeout);
        var detail = (await Api.GetAsync("/api/v1/instance/detail", ("instance_id", instanceId))).Ok();
        var heldVolume = detail.GetProperty("volumes").EnumerateArray().Single(v => !v.GetProperty("is_boot").GetBoolean()).GetProperty("volume_id").GetString()!;
        await console.GoAsync("volumes");
        await console.RowActionAsync(heldVolume, "Delete");
        await console.SubmitAsync("Delete");
        await Expect(console.Dialog.Locator(".form-message")).ToContainTextAsync(instanceId);
        await console.ScreenshotAsync("failure-conflict");
        Assert.That(await RbdImageExistsAsync("volumes", heldVolume), "the volume is still there");
        Assert.That(console.ScriptErrors, Is.Empty);
    }
}
