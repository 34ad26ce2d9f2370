using System.Diagnostics;
using System.Globalization;
using System.Net;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller.Faults;

/// <summary>
/// The Ceph OSD killed while volume creates and deletes run, then restarted: a short outage is
/// ridden out (the operations wait for the OSD and complete); one longer than the agent's OSD
/// operation timeout (Storage:OsdOperationTimeout, a minute) fails them with a clear reason. Either way, once every task has ended the
/// inventory agrees with Ceph and every volume can be deleted through the API. The fixture has a
/// one-node Ceph of its own to break.
/// </summary>
[TestFixture]
[NonParallelizable]
[Category("Faults")]
public sealed class CephOutageTests : FaultTestBase
{
    // Away from the test environment's ports and the other fixtures'.
    private const int PortBase = 31000;
    private const int Load = 4;
    private string _cephState = null!;

    private protected override async Task<ComponentSettings> StartCephAsync(ComponentSettings environmentCeph)
    {
        _cephState = Path.Combine(TestEnvironment.StateDirectory, "tests", "ceph-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_cephState);
        (await CephScriptAsync("start")).EnsureSuccess();
        return ComponentSettings.Load(Path.Combine(_cephState, "ceph.env"));
    }

    protected override async Task StopCephAsync()
    {
        await CephScriptAsync("stop");
        Directory.Delete(_cephState, recursive: true);
    }

    [Test]
    public async Task A_short_osd_outage_under_load_is_ridden_out()
    {
        var baseline = await TakeBaselineAsync();
        var existing = await CreateVolumesAsync();
        KillOsd();
        var requests = StartLoad(existing);
        // Every request has reached the agent and waits on the OSD.
        await Eventually.HoldsAsync(async () => await ScalarAsync<long>("SELECT count(*) FROM tasks WHERE state = 'running'") == 2 * Load,
            TimeSpan.FromSeconds(60), "every create and delete running against the dead OSD");
        (await CephScriptAsync("start")).EnsureSuccess();

        var answers = await Task.WhenAll(requests);
        await AllTasksEndedAsync("the OSD came back");
        Assert.That(answers.Select(a => (a.Status, a.Code)), Is.All.EqualTo((HttpStatusCode.OK, 0)), string.Join("\n", answers.Select(a => a.ToString())));
        await AssertConsistentAsync(baseline);
        await DeleteEverythingAsync(baseline);
    }

    [Test]
    public async Task An_osd_outage_longer_than_the_operation_timeout_fails_cleanly_and_leaves_a_way_out()
    {
        var baseline = await TakeBaselineAsync();
        var existing = await CreateVolumesAsync();
        KillOsd();
        var requests = StartLoad(existing);
        try
        {
            await Task.WhenAll(requests).WaitAsync(TimeSpan.FromSeconds(180));
        }
        finally
        {
            (await CephScriptAsync("start")).EnsureSuccess();
        }

        var answers = requests.Select(r => r.Result).ToList();
        await AllTasksEndedAsync("the OSD came back");
        // Nothing can be made or removed without the OSD: every request fails, as unavailability,
        // saying why — in its answer, or (answered in progress after Tasks:SynchronousWait) in its task.
        Assert.That(answers.Select(a => a.Code).Distinct(), Is.SubsetOf(new[] { 0, 50302, 50401 }), string.Join("\n", answers));
        Assert.That(answers.Where(a => a.Code == 0).Select(a => a.Data.GetProperty("status").GetString()), Is.All.AnyOf("creating", "deleting"));
        var taskIds = answers.Where(a => a.Code == 0).Select(a => a.Data.GetProperty("task_id").GetString()!).ToArray();
        Assert.That(await ScalarAsync<long>("SELECT count(*) FROM tasks WHERE task_id = ANY(@ids) AND state = 'failed' AND error_code IN ('agent_unavailable', 'agent_timeout') AND error <> ''", ("ids", taskIds)),
            Is.EqualTo(taskIds.Length), "the tasks of the requests answered in progress failed, saying why");
        await AssertConsistentAsync(baseline);
        await DeleteEverythingAsync(baseline);
    }

    private async Task<List<string>> CreateVolumesAsync()
    {
        var ids = new List<string>();
        for (var i = 0; i < Load; i++)
        {
            ids.Add((await Api.PostAsync("/api/v1/volume/create", new { volume_name = Unique("co"), volume_size = 1 })).Ok().GetProperty("volume_id").GetString()!);
        }
        return ids;
    }

    /// <summary>As many creates as deletes of <paramref name="existing"/>, all at once.</summary>
    private List<Task<ApiResponse>> StartLoad(IEnumerable<string> existing) =>
    [
        .. Enumerable.Range(0, Load).Select(_ => Api.PostAsync("/api/v1/volume/create", new { volume_name = Unique("cn"), volume_size = 1 })),
        .. existing.Select(id => Api.PostAsync("/api/v1/volume/delete", new { volume_id = id })),
    ];

    /// <summary>The way out of every state the outage left: delete each remaining volume through the API.</summary>
    private async Task DeleteEverythingAsync(Baseline baseline)
    {
        await using (var command = Database.CreateCommand("SELECT volume_id FROM volumes"))
        {
            var ids = new List<string>();
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    ids.Add(reader.GetString(0));
                }
            }
            foreach (var id in ids)
            {
                await DeleteVolumeThroughApiAsync(id);
            }
        }
        await AssertNothingLeftAsync(baseline);
    }

    private void KillOsd()
    {
        var pid = int.Parse(File.ReadAllText(Path.Combine(_cephState, "ceph", "run", "osd.0.pid")).Trim(), CultureInfo.InvariantCulture);
        using var osd = Process.GetProcessById(pid);
        osd.Kill();
        Assert.That(osd.WaitForExit(TimeSpan.FromSeconds(30)), Is.True, "the OSD exited");
    }

    private Task<ProcessResult> CephScriptAsync(string action) =>
        ChildProcess.RunAsync(Path.Combine(TestEnvironment.Scripts, "ceph.sh"), [action], TimeSpan.FromMinutes(3), new Dictionary<string, string?>
        {
            ["PLATFORM_STATE"] = _cephState,
            ["PLATFORM_PORT_BASE"] = PortBase.ToString(CultureInfo.InvariantCulture),
        });
}
