using System.Net;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller.Faults;

/// <summary>
/// The agent or the controller killed (SIGKILL) at several points of every operation, then
/// started again as its supervisor would. After each fault, once every task has ended: the
/// inventory, libvirt and Ceph agree (no orphan RBD image, no phantom or missing device, no
/// record in a transitional state), an operation answered as done has its effect, and every
/// resource is brought back to a usable state through the REST API alone — its way out.
/// </summary>
[TestFixture]
[NonParallelizable]
[Category("Faults")]
public sealed class FaultInjectionTests : FaultTestBase
{
    // Image creations whose request died are finished by reconciliation after twice this: short
    // here so that a controller killed during images/create settles within the test.
    protected override IReadOnlyDictionary<string, string> ControllerSettings =>
        new Dictionary<string, string>(base.ControllerSettings) { ["Agents:MutationTimeout"] = "00:00:15" };

    /// <summary>
    /// Where the fault strikes: as the request is sent, or once its task is seen running (polled
    /// every few milliseconds) and some time into it — before, inside and after the agent's work.
    /// </summary>
    private static readonly KillPoint[] KillPoints = [new(false, 0), new(true, 0), new(true, 150), new(true, 600)];

    private sealed record KillPoint(bool AfterTaskStart, int DelayMs)
    {
        public override string ToString() => AfterTaskStart ? $"task+{DelayMs}ms" : "at send";
    }

    private readonly List<string> _report = [];

    public enum Fault
    {
        AgentKilled,
        ControllerKilled,
    }

    [OneTimeTearDown]
    public void PrintReport()
    {
        TestContext.Progress.WriteLine($"fault injection: {_report.Count} faults injected");
        foreach (var line in _report)
        {
            TestContext.Progress.WriteLine("  " + line);
        }
    }

    [Test]
    public async Task Volume_and_image_operations_survive_kills([Values] Fault fault)
    {
        var baseline = await TakeBaselineAsync();
        foreach (var killAt in KillPoints)
        {
            var name = Unique("fv");
            var create = await InjectAsync(fault, killAt, "volume/create", () => Api.PostAsync("/api/v1/volume/create", new { volume_name = name, volume_size = 1 }));
            var volumeId = await ScalarAsync<string>("SELECT volume_id FROM volumes WHERE volume_name = @n", ("n", name));
            await AssertConsistentAsync(baseline);
            AssertDoneMeans(create, volumeId is not null && await VolumeStatusAsync(volumeId) == "available", "volume/create answered done, but the volume is not available");
            if (volumeId is null)
            {
                // Nothing was made: the request died before its transaction; the caller's retry is a new create.
                Assert.That(create?.Status, Is.Not.EqualTo(HttpStatusCode.OK), "answered done without a volume");
                continue;
            }

            var delete = await InjectAsync(fault, killAt, "volume/delete", () => Api.PostAsync("/api/v1/volume/delete", new { volume_id = volumeId }));
            await AssertConsistentAsync(baseline);
            AssertDoneMeans(delete, await VolumeStatusAsync(volumeId) is null, "volume/delete answered done, but the volume is still there");
            await DeleteVolumeThroughApiAsync(volumeId);

            var imageName = Unique("fi");
            var image = await InjectAsync(fault, killAt, "images/create", () => Api.PostAsync("/api/v1/images/create", new { image_name = imageName, image_size = 16 << 20, os_type = "Linux" }));
            var imageId = await ScalarAsync<string>("SELECT image_id FROM images WHERE image_name = @n", ("n", imageName));
            if (imageId is not null)
            {
                OnCleanUp(() => RemoveRbdImageAsync("images", imageId));
                // An image creation whose request died is finished by reconciliation (long after any agent call could run).
                await SettleImageAsync(imageId);
            }
            await AssertConsistentAsync(baseline);
            AssertDoneMeans(image, imageId is not null && await ScalarAsync<string>("SELECT status FROM images WHERE image_id = @id", ("id", imageId)) == "available", "images/create answered done, but the image is not available");
            if (imageId is not null)
            {
                await DeleteImageThroughApiAsync(imageId);
            }
        }
        await AssertConsistentAsync(baseline);
        await AssertNothingLeftAsync(baseline);
    }

    [Test]
    public async Task Hot_plug_survives_kills([Values] Fault fault)
    {
        var baseline = await TakeBaselineAsync();
        var (instanceId, guestImageId) = await GuestAsync();
        var volumeId = (await Api.PostAsync("/api/v1/volume/create", new { volume_name = Unique("fh"), volume_size = 1 })).Ok().GetProperty("volume_id").GetString()!;
        var nic = (await Api.PostAsync("/api/v1/network/create", new { network_interface_name = Unique("fn") })).Ok();
        var nicId = nic.GetProperty("network_interface_id").GetString()!;
        foreach (var killAt in KillPoints)
        {
            var mount = await InjectAsync(fault, killAt, "volume/mount", () => Api.PostAsync("/api/v1/volume/mount", new { volume_id = volumeId, instance_id = instanceId }));
            await AssertConsistentAsync(baseline);
            AssertDoneMeans(mount, await VolumeStatusAsync(volumeId) == "in-use", "volume/mount answered done, but the volume is not in use");
            await EnsureMountedAsync(volumeId, instanceId);

            var unmount = await InjectAsync(fault, killAt, "volume/unmount", () => Api.PostAsync("/api/v1/volume/unmount", new { volume_id = volumeId, instance_id = instanceId }));
            await AssertConsistentAsync(baseline);
            AssertDoneMeans(unmount, await VolumeStatusAsync(volumeId) == "available", "volume/unmount answered done, but the volume is not available");
            await EnsureUnmountedAsync(volumeId, instanceId);

            var attach = await InjectAsync(fault, killAt, "network/attach", () => Api.PostAsync("/api/v1/network/attach", new { network_interface_id = nicId, instance_id = instanceId }));
            await AssertConsistentAsync(baseline);
            AssertDoneMeans(attach, await NicStatusAsync(nicId) == "attached", "network/attach answered done, but the NIC is not attached");
            await EnsureAttachedAsync(nicId, instanceId);

            var detach = await InjectAsync(fault, killAt, "network/detach", () => Api.PostAsync("/api/v1/network/detach", new { network_interface_id = nicId, instance_id = instanceId }));
            await AssertConsistentAsync(baseline);
            AssertDoneMeans(detach, await NicStatusAsync(nicId) == "idle", "network/detach answered done, but the NIC is not idle");
            await EnsureDetachedAsync(nicId, instanceId);
        }
        await DeleteVolumeThroughApiAsync(volumeId);
        (await Api.PostAsync("/api/v1/network/delete", new { network_interface_id = nicId })).Ok();
        await DestroyThroughApiAsync(instanceId);
        await DeleteImageThroughApiAsync(guestImageId);
        await AssertConsistentAsync(baseline);
        await AssertNothingLeftAsync(baseline);
    }

    [Test]
    public async Task Instance_create_and_destroy_survive_kills([Values] Fault fault)
    {
        var baseline = await TakeBaselineAsync();
        var imageId = await BlankImageAsync();
        foreach (var killAt in KillPoints)
        {
            var name = Unique("fc");
            var create = await InjectAsync(fault, killAt, "instance/create", () => Api.PostAsync("/api/v1/instance/create", new
            {
                instance_name = name,
                image_id = imageId,
                cpu = 1,
                memory = 64,
                data_volumes = new[] { new { volume_name = Unique("fd"), volume_size = 1 } },
            }));
            var instanceId = await ScalarAsync<string>("SELECT instance_id FROM instances WHERE instance_name = @n", ("n", name));
            if (instanceId is null)
            {
                Assert.That(create?.Status, Is.Not.EqualTo(HttpStatusCode.OK), "answered accepted without an instance");
                await AssertConsistentAsync(baseline);
                continue;
            }
            OnCleanUp(() => DestroyLeftoverAsync(instanceId));
            await AssertConsistentAsync(baseline);
            // The create answers at once with its task; done means the task succeeded and the instance runs.
            var created = await ScalarAsync<string>("SELECT state FROM tasks WHERE resource_id = @id AND kind = 'instance.create'", ("id", instanceId));
            Assert.That(created == "succeeded" ? await InstanceStatusAsync(instanceId) : "running", Is.EqualTo("running"), "a succeeded create whose instance does not run");

            await InjectAsync(fault, killAt, "instance/destroy", () => Api.PostAsync("/api/v1/instance/destroy", new { instance_id = instanceId }));
            await AssertConsistentAsync(baseline);
            if (await InstanceStatusAsync(instanceId) is not null)
            {
                // Interrupted for good (or failed): destroying again is the way out of any state.
                await DestroyThroughApiAsync(instanceId);
            }
            Assert.That(await DomainExistsAsync(instanceId), Is.False);
        }
        await DeleteImageThroughApiAsync(imageId);
        await AssertConsistentAsync(baseline);
        await AssertNothingLeftAsync(baseline);
    }

    /// <summary>
    /// Sends the request, strikes with <paramref name="fault"/> at <paramref name="killAt"/>,
    /// brings the killed daemon back, and waits until every task has ended. Returns the answer,
    /// or null when the request died with the controller.
    /// </summary>
    private async Task<ApiResponse?> InjectAsync(Fault fault, KillPoint killAt, string operation, Func<Task<ApiResponse>> request)
    {
        var tasksBefore = await ScalarAsync<long>("SELECT count(*) FROM tasks");
        var sent = request();
        if (killAt.AfterTaskStart)
        {
            // The injection point itself, not a wait for an outcome: strike as soon as the task exists.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (!sent.IsCompleted && DateTime.UtcNow < deadline && await ScalarAsync<long>("SELECT count(*) FROM tasks") == tasksBefore)
            {
                await Task.Delay(5);
            }
            await Task.WhenAny(sent, Task.Delay(killAt.DelayMs));
        }
        var runningAtKill = await ScalarAsync<long>("SELECT count(*) FROM tasks WHERE state IN ('pending', 'running')");
        if (fault == Fault.AgentKilled)
        {
            await HostAgent.KillAsync();
            await HostAgent.StartAgainAsync();
        }
        else
        {
            await KillAndRestartControllerAsync();
        }
        ApiResponse? answer;
        try
        {
            answer = await sent;
        }
        catch (HttpRequestException)
        {
            answer = null;
        }
        await AllTasksEndedAsync($"{fault} ({killAt}) into {operation}");
        _report.Add($"{operation,-16} {fault,-16} {killAt,-12} tasks running then: {runningAtKill}; answer: {(answer is null ? "none" : $"{(int)answer.Status} {answer.Code}")}");
        return answer;
    }

    /// <summary>An answer of success must have its effect; a failure or no answer only needs the consistent state checked before.</summary>
    private static void AssertDoneMeans(ApiResponse? answer, bool effectPresent, string message)
    {
        if (answer is { Status: HttpStatusCode.OK, Code: 0 })
        {
            Assert.That(effectPresent, Is.True, $"{message}: {answer}");
        }
    }

    /// <summary>A running guest with an OS (it releases hot-plugged devices) and its registered image.</summary>
    private async Task<(string InstanceId, string ImageId)> GuestAsync()
    {
        var imageId = await ImportGuestImageAsync();
        (await Api.PostAsync("/api/v1/images/register", new { image_id = imageId, image_name = Unique("fg"), os_type = "Linux" })).Ok();
        var created = (await Api.PostAsync("/api/v1/instance/create", new { instance_name = Unique("fg"), image_id = imageId, cpu = 1, memory = 128 })).Ok();
        var instanceId = created.GetProperty("instance_id").GetString()!;
        OnCleanUp(() => DestroyLeftoverAsync(instanceId));
        var done = await WaitForTaskAsync(instanceId, created.GetProperty("task_id").GetString()!, BootTimeout);
        Assert.That(done.GetProperty("state").GetString(), Is.EqualTo("succeeded"), done.ToString());
        await SerialSaysAsync(SerialLogOf(instanceId), ReadyMarker, BootTimeout);
        return (instanceId, imageId);
    }

    private async Task SettleImageAsync(string imageId) =>
        await Eventually.HoldsAsync(async () => await ScalarAsync<string>("SELECT status FROM images WHERE image_id = @id", ("id", imageId)) != "creating",
            Settled, $"image {imageId} finished or failed");
}
