using System.Net;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller.DriverCenter;

/// <summary>
/// A driver-center host without room: its agent keeps a reserve larger than any disk
/// (DriverDisk:ReserveBytes, the free space it never uses), so every import and save meets
/// 服务器空间不足 as a full disk would, and nothing changes.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class DriverCenterNoSpaceTests : DriverCenterTestBase
{
    protected override IReadOnlyDictionary<string, string> AgentSettings =>
        new Dictionary<string, string> { ["PLATFORM_DriverDisk__ReserveBytes"] = (1L << 50).ToString(System.Globalization.CultureInfo.InvariantCulture) };

    [Test]
    public async Task An_upload_and_a_save_without_room_answer_the_seeds_message_and_change_nothing()
    {
        var rows = await CountAsync("SELECT count(*) FROM drivers");
        AssertRefused(await Api.UploadAsync("/thor/voi/driver/upload", (await UniversalDriverFileAsync("full")).Path), (HttpStatusCode)507, 50700, "服务器空间不足，请释放空间后再试");
        Assert.That(await CountAsync("SELECT count(*) FROM drivers"), Is.EqualTo(rows), "no row");
        Assert.That(TransferFiles(), Is.Empty, "no upload left on the host");

        var versionBefore = (await MountStateAsync()).GetProperty("version").GetInt64();
        var started = (await Api.PostAsync("/thor/voi/driver/mount", new { is_mounted = false })).Result();
        var taskId = started.GetProperty("task_id").GetString()!;
        System.Text.Json.JsonElement task = default;
        await Eventually.HoldsAsync(async () =>
        {
            task = (await Api.GetAsync("/api/v1/tasks/detail", ("task_id", taskId))).Ok();
            return task.GetProperty("state").GetString() is "succeeded" or "failed";
        }, SaveTimeout, $"save task {taskId} ended");
        Assert.That((task.GetProperty("state").GetString(), task.GetProperty("error_code").GetInt32()), Is.EqualTo(("failed", 50700)), task.ToString());
        Assert.That(task.GetProperty("error").GetString(), Does.StartWith("服务器空间不足，请释放空间后再试"));
        var state = await MountStateAsync();
        Assert.That((state.GetProperty("mount_status").GetInt32(), state.GetProperty("version").GetInt64()), Is.EqualTo((1, versionBefore)),
            "refused before anything changed: the disk stays normal at its version");
        Assert.That(state.GetProperty("last_error").GetString(), Does.StartWith("服务器空间不足"));
    }
}
