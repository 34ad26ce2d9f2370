using Platform.Tests.Integration.Controller.DriverCenter;

namespace Platform.Tests.Integration.Cli;

/// <summary>
/// platformctl on the driver center: an upload shows the bytes sent, a driver-disk save is
/// followed through its task to the new version, and the driver is deleted again.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class PlatformCtlDriverCenterTests : DriverCenterTestBase
{
    private PlatformCtl Ctl => PlatformCtl.For(Controller.RestUrl, Controller.Token, Certificates.AuthorityPath);

    [Test]
    public async Task A_driver_upload_and_a_disk_save_show_their_progress_and_end_with_the_outcome()
    {
        var (iso, stem) = await UniversalDriverFileAsync("ctl");
        var upload = await Ctl.RunAsync(TimeSpan.FromMinutes(3), "driver", "upload", "--file", iso, "--os-type", "2", "--output", "json");
        Assert.That(upload.ExitCode, Is.Zero, upload.StandardError);
        var sent = upload.StandardError.Split('\n').Where(l => l.StartsWith($"progress: upload {stem}.iso: ", StringComparison.Ordinal)).ToList();
        Assert.That(sent, Is.Not.Empty, upload.StandardError);
        Assert.That(sent[^1], Does.StartWith($"progress: upload {stem}.iso: 100% {new FileInfo(iso).Length} of {new FileInfo(iso).Length} bytes sent"));
        using var uploaded = System.Text.Json.JsonDocument.Parse(upload.StandardOutput);
        var driverId = uploaded.RootElement[0].GetProperty("id").GetInt64();
        Assert.That(await ListedDriverAsync(driverId), Is.Not.Null, "the uploaded driver in the list");

        var before = (await MountStateAsync()).GetProperty("version").GetInt64();
        var save = await Ctl.RunAsync(SaveTimeout, "disk", "change", "--is-mounted", "false");
        Assert.That(save.ExitCode, Is.Zero, save.StandardError);
        Assert.That(save.StandardError, Does.Contain("progress: disk change (task-").And.Contain("succeeded"), save.StandardError);
        var after = await Ctl.JsonAsync("disk", "status");
        Assert.That(after.GetProperty("mount_status").GetInt32(), Is.EqualTo(1), after.ToString());
        Assert.That(after.GetProperty("version").GetInt64(), Is.GreaterThan(before), after.ToString());

        var refused = await Ctl.RunAsync("disk", "change", "--is-mounted", "true");
        Assert.That(refused.ExitCode, Is.EqualTo(2), refused.StandardError);
        Assert.That(refused.StandardError, Does.Contain("only false (save) is accepted"));

        var deleted = await Ctl.RunAsync("driver", "delete", "--action", "delete", "--ids", driverId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.That(deleted.ExitCode, Is.Zero, deleted.StandardError);
        Assert.That(await ListedDriverAsync(driverId), Is.Null, "the driver after delete");
    }
}
