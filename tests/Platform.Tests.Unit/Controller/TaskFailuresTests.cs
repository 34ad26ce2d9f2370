using Platform.Controller.Agents;
using Platform.Controller.Api;
using Platform.Controller.Tasks;
using Grpc.Core;
using Grpc.Net.Client;

namespace Platform.Tests.Unit.Controller;

public class TaskFailuresTests
{
    [TestCase(StatusCode.FailedPrecondition, true, "device_still_attached", 40908)]
    [TestCase(StatusCode.FailedPrecondition, false, "refused", 40904)]
    [TestCase(StatusCode.NotFound, false, "refused", 40904)]
    [TestCase(StatusCode.DeadlineExceeded, true, "agent_timeout", 50401)]
    [TestCase(StatusCode.Unavailable, false, "agent_unavailable", 50302)]
    [TestCase(StatusCode.AlreadyExists, false, "refused", 40904)]
    [TestCase(StatusCode.Internal, false, "agent_failed", 50200)]
    public void Agent_failure_becomes_a_typed_kind_and_its_api_code(StatusCode status, bool detaching, string kind, int code)
    {
        var failure = TaskFailures.From(new AgentException("http://h:1", "DetachDisk", status, "guest kept vdb"), detaching);
        Assert.That(failure.Kind.Stored(), Is.EqualTo(kind));
        Assert.That((int)failure.ToApiError().Code, Is.EqualTo(code));
        Assert.That(failure.Message, Does.Contain("guest kept vdb"));
    }

    [Test]
    public void A_detach_refused_because_the_guest_is_paused_is_a_refusal_not_a_kept_device()
    {
        var paused = new AgentException("http://h:1", "DetachDisk", StatusCode.FailedPrecondition, "domain 'i-1' is paused on user request",
            reason: nameof(Platform.Contracts.Agent.V1.DomainErrorReason.DomainNotRunning));
        var failure = TaskFailures.From(paused, detaching: true);
        Assert.That((failure.Kind, (int)failure.ToApiError().Code), Is.EqualTo((TaskFailureKind.Refused, 40904)));
    }

    [Test]
    public void A_refusal_reads_as_the_agents_own_sentence_without_a_kind_prefix()
    {
        var failure = TaskFailures.From(new AgentException("http://h:1", "DetachDisk", StatusCode.FailedPrecondition, "guest kept vdb"), detaching: true);
        Assert.That(failure.Message, Is.EqualTo("guest kept vdb"));
    }

    [Test]
    public void Every_kind_survives_the_inventory_and_names_an_api_code()
    {
        foreach (var kind in Enum.GetValues<TaskFailureKind>())
        {
            var stored = kind.Stored();
            Assert.That(stored, Does.Match("^[a-z_]+$"), $"{kind} is stored as {stored}");
            Assert.That(TaskFailureKinds.Parse(stored), Is.EqualTo(kind));
            Assert.That(TaskFailureKinds.ApiCodeOf(stored), Is.EqualTo((int)kind.ToApiErrorCode()));
            Assert.That(kind.ToApiErrorCode().HttpStatus(), Is.InRange(400, 599));
        }
        Assert.That(TaskFailureKinds.All, Is.EquivalentTo(Enum.GetValues<TaskFailureKind>()), "the table names every kind");
    }

    [Test]
    public void Stored_names_match_the_schema_check()
    {
        // The latest migration that (re)defines tasks_error_code_check is the schema's list.
        var assembly = typeof(TaskStore).Assembly;
        var migration = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("Platform.Controller.Inventory.Migrations.", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n => new StreamReader(assembly.GetManifestResourceStream(n)!).ReadToEnd())
            .Last(text => text.Contains("error_code IN (", StringComparison.Ordinal));
        var check = migration[migration.LastIndexOf("error_code IN (", StringComparison.Ordinal)..];
        check = check[..check.IndexOf(')', StringComparison.Ordinal)];
        foreach (var kind in Enum.GetValues<TaskFailureKind>())
        {
            Assert.That(check, Does.Contain($"'{kind.Stored()}'"), $"tasks.error_code CHECK lists {kind}");
        }
    }

    [Test]
    public void No_code_without_a_failure_and_an_unknown_one_is_a_bug()
    {
        Assert.That(TaskFailureKinds.ApiCodeOf(null), Is.Null);
        Assert.Throws<InvalidOperationException>(() => TaskFailureKinds.Parse("device still attached: "));
    }

    [Test]
    public void A_failed_task_record_answers_its_recorded_kind()
    {
        var now = DateTime.UtcNow;
        var task = new TaskRecord("task-0000000000000001", "volume.unmount", "vol-00000001", TaskStates.Failed, "", 0, "guest kept vdb",
            "device_still_attached", "{}", 1, now, now, now);
        var error = TaskFailures.Of(task)!.ToApiError();
        Assert.That((error.Code, error.Message), Is.EqualTo((ApiErrorCode.DeviceStillAttached, "guest kept vdb")));
        Assert.That(TaskFailures.Of(task with { State = TaskStates.Succeeded, Error = null, ErrorCode = null }), Is.Null);
    }
}
