using System.Globalization;
using System.Text.RegularExpressions;
using Platform.Tests.Integration.Infrastructure;

namespace Platform.Tests.Integration.Controller;

/// <summary>
/// The inventory database goes away for longer than a host may stay silent, then comes back
/// (issue: the live host was marked down 3.3 s after the database returned, and heartbeats
/// during the outage answered UNKNOWN). The fixture has a PostgreSQL of its own to stop.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed partial class DatabaseOutageTests : ControllerTestBase
{
    // Away from the test environment's ports and the other fixtures'.
    private const int PortBase = 24000;
    private readonly OwnPostgres _postgres = new("outage", PortBase);

    private protected override Task<ComponentSettings> StartPostgresAsync(ComponentSettings environmentPostgres) => _postgres.StartAsync();

    protected override Task StopPostgresAsync() => _postgres.RemoveAsync();

    [Test]
    public async Task Heartbeats_during_an_outage_answer_unavailable_and_the_host_is_not_marked_down_when_the_database_returns()
    {
        Assert.That(await HostStatusAsync(HostId), Is.EqualTo("up"));
        (await PostgresScriptAsync("stop")).EnsureSuccess();
        try
        {
            await Eventually.HoldsAsync(() => Task.FromResult(Controller.Output.Contains("Heartbeat answered UNAVAILABLE", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(30), "a heartbeat during the outage answered UNAVAILABLE");
            // Requests meanwhile answer 503, and log one line now and then, not a stack trace each.
            for (var i = 0; i < 50; i++)
            {
                var refused = await Api.GetAsync("/api/v1/images/list");
                Assert.That((refused.Status, refused.Code), Is.EqualTo((System.Net.HttpStatusCode.ServiceUnavailable, 50303)), refused.Body);
            }
            Assert.That(Regex.Count(Controller.Output, "Inventory database unavailable while serving"), Is.InRange(1, 2), "rate-limited");
            Assert.That(Controller.Output, Does.Not.Contain("   at Npgsql"), "no stack traces for an expected failure");
            // Longer than Hosts:DownAfter (6 s here): the controller's own liveness checks, once a second, count the failures
            // (their warning is rate-limited and says how many it held back).
            await Eventually.HoldsAsync(() => Task.FromResult(LivenessFailed().Matches(Controller.Output).Any(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) >= 7)),
                TimeSpan.FromSeconds(60), "the outage outlasted DownAfter");
        }
        finally
        {
            (await PostgresScriptAsync("start")).EnsureSuccess();
        }
        var returned = DateTime.UtcNow;
        await Eventually.HoldsAsync(() => Task.FromResult(Controller.Output.Contains("Inventory database reachable again", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "the liveness monitor saw the database back");
        await Eventually.HoldsAsync(async () => await ScalarAsync<DateTime>("SELECT last_heartbeat FROM hosts WHERE host_id = @id", ("id", HostId)) > returned,
            TimeSpan.FromSeconds(30), "a heartbeat was recorded again");
        Assert.That(Controller.Output, Does.Not.Contain($"Host {HostId} missed its heartbeats"), "its unrecorded heartbeats did not count against it");
        Assert.That(await HostStatusAsync(HostId), Is.EqualTo("up"));
    }

    private Task<ProcessResult> PostgresScriptAsync(string action) => _postgres.RunAsync(action);

    [GeneratedRegex(@"Host liveness check failed; retrying next period: .* \((\d+) more failures since the last line\)")]
    private static partial Regex LivenessFailed();
}
