using System.Net;

namespace Platform.Tests.Integration.Controller.DriverCenter;

/// <summary>/thor/voi/driver/mount: save, restore, auto-update, and the states between, on the real disk.</summary>
[TestFixture]
[NonParallelizable]
public sealed class DriverDiskStateTests : DriverCenterTestBase
{
    [Test]
    public async Task A_save_answers_at_once_merges_and_records_the_new_base_and_delta()
    {
        var (iso, stem) = await UniversalDriverFileAsync("saved");
        await UploadDriverAsync(iso);
        var version = await SaveAsync();

        Assert.That(await CountAsync("SELECT count(*) FROM driver_disk_bases WHERE version = @v AND NOT deleted AND md5 ~ '^[0-9a-f]{32}$'", ("v", version)), Is.EqualTo(1));
        Assert.That(await CountAsync("SELECT count(*) FROM driver_disk_bases WHERE NOT deleted"), Is.EqualTo(1), "one current base");
        Assert.That(await CountAsync("SELECT count(*) FROM driver_disk_deltas WHERE to_version = @v AND NOT deleted AND merge_file_size > 0", ("v", version)), Is.EqualTo(1));
        var task = await CountAsync("SELECT count(*) FROM tasks WHERE kind = 'driver-center.save' AND state = 'succeeded'");
        Assert.That(task, Is.GreaterThanOrEqualTo(1));
        Assert.That(File.Exists(BackupPath($"sys/wang/{stem}/net/e1000.inf")), "the driver stays after the save");
    }

    [Test]
    public async Task Save_is_refused_while_a_terminal_downloads_and_while_another_save_runs()
    {
        await using (var command = Database.CreateCommand("INSERT INTO terminals (name, mac, is_downloading, downloading_since) VALUES ('t1', @mac::macaddr, true, now())"))
        {
            command.Parameters.AddWithValue("mac", $"52:54:00:{Random.Shared.Next(256):x2}:{Random.Shared.Next(256):x2}:{Random.Shared.Next(256):x2}");
            await command.ExecuteNonQueryAsync();
        }
        try
        {
            AssertRefused(await Api.PostAsync("/thor/voi/driver/mount", new { is_mounted = false }), HttpStatusCode.Conflict, 40911, "保存失败，当前有下发任务");
            Assert.That((await MountStateAsync()).GetProperty("mount_status").GetInt32(), Is.EqualTo(1), "a refused save changes nothing");
        }
        finally
        {
            await using var clear = Database.CreateCommand("DELETE FROM terminals WHERE name = 't1'");
            await clear.ExecuteNonQueryAsync();
        }

        var (tq, _) = ExtractedDriverFile("busy");
        await UploadDriverAsync(tq);
        var first = (await Api.PostAsync("/thor/voi/driver/mount", new { is_mounted = false })).Result();
        var second = await Api.PostAsync("/thor/voi/driver/mount", new { is_mounted = false });
        AssertRefused(second, HttpStatusCode.Conflict, 40912, "驱动中心正忙，请稍后再试");
        var (iso, _) = await UniversalDriverFileAsync("during-save");
        AssertRefused(await Api.UploadAsync("/thor/voi/driver/upload", iso), HttpStatusCode.Conflict, 40912, "驱动中心正忙，请稍后再试");
        await Infrastructure.Eventually.HoldsAsync(async () => (await MountStateAsync()).GetProperty("mount_status").GetInt32() == 1, SaveTimeout,
            $"save {first.GetProperty("task_id").GetString()} finished");
    }

    [Test]
    public async Task A_disagreement_is_abnormal_until_a_restore_brings_the_disk_back()
    {
        await using (var command = Database.CreateCommand("UPDATE settings SET value = jsonb_set(value, '{mount_status}', '3') WHERE name = 'voi_drive_center'"))
        {
            await command.ExecuteNonQueryAsync();
        }
        AssertRefused(await Api.GetAsync("/thor/voi/driver/mount"), HttpStatusCode.Conflict, 40913, "驱动中心状态异常");

        var restoring = (await Api.PostAsync("/thor/voi/driver/mount", new { is_init = true })).Result();
        Assert.That(restoring.GetProperty("mount_status").GetInt32(), Is.EqualTo(4), "a restore answers at once with state 4");
        await Infrastructure.Eventually.HoldsAsync(async () =>
        {
            var answer = await Api.GetAsync("/thor/voi/driver/mount");
            return answer.Code == 0 && answer.Root.GetProperty("result").GetProperty("mount_status").GetInt32() == 1;
        }, SaveTimeout, "the restore returned the disk to normal");
    }

    [Test]
    public async Task Auto_update_switches_and_bad_requests_change_nothing()
    {
        var off = (await Api.PostAsync("/thor/voi/driver/mount", new { is_auto_update = false })).Result();
        Assert.That(off.GetProperty("is_auto_update").GetBoolean(), Is.False);
        Assert.That((await MountStateAsync()).GetProperty("is_auto_update").GetBoolean(), Is.False);
        var on = (await Api.PostAsync("/thor/voi/driver/mount", new { is_auto_update = true })).Result();
        Assert.That(on.GetProperty("is_auto_update").GetBoolean(), Is.True);

        foreach (var body in new object[] { new { }, new { is_mounted = false, is_init = true }, new { is_mounted = true }, new { is_init = false }, new { is_auto_update = "maybe" } })
        {
            var refused = await Api.PostAsync("/thor/voi/driver/mount", body);
            Assert.That((refused.Status, refused.Code), Is.EqualTo((HttpStatusCode.BadRequest, 40001)), refused.Body);
        }
        Assert.That((await MountStateAsync()).GetProperty("mount_status").GetInt32(), Is.EqualTo(1));
    }
}
