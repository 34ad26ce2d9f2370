using System.Text.Json;
using Platform.Tests.Integration.Controller;
using Platform.Tests.Integration.Infrastructure;
using Platform.Tests.Integration.Controller.Fuzz;

namespace Platform.Tests.Integration.Cli;

/// <summary>
/// platformctl against a real controller and agent: every route has a subcommand, a volume's
/// life through it, bad input and unknown ids with their exit codes and the server's message,
/// an instance create followed to its end with progress lines, one whose task fails (exit 6),
/// and the agent's gRPC API over mutual TLS with the operator's certificate.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class PlatformCtlTests : ControllerTestBase
{
    // A periodic pass would mark the inventory-only image of the failing create in error first,
    // and the create would then be refused (exit 4) instead of failing in its task (exit 6).
    // Nothing else here waits for a periodic pass; domain events still start host passes.
    protected override IReadOnlyDictionary<string, string> ControllerSettings =>
        new Dictionary<string, string>(base.ControllerSettings) { ["Reconciliation:Interval"] = "01:00:00" };

    private PlatformCtl Ctl => PlatformCtl.For(Controller.RestUrl, Controller.Token, Certificates.AuthorityPath, Certificates.Operator.CertificatePath, Certificates.Operator.KeyPath);

    [Test]
    public async Task Every_rest_route_of_the_controller_has_a_subcommand()
    {
        var routes = (await ControllerRoutes.ListAsync()).Where(r => r.IsFacade && !r.IsFallback).ToList();
        var listing = await Ctl.RunAsync("routes");
        Assert.That(listing.ExitCode, Is.Zero, listing.StandardError);
        var commands = listing.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Select(c => (Command: c.GetProperty("command").GetString()!, Method: c.GetProperty("method").GetString()!, Pattern: c.GetProperty("pattern").GetString()!))
            .ToList();

        Assert.That(routes, Has.Count.GreaterThan(50), "the controller's route table");
        var uncovered = routes.Where(r => !commands.Any(c => c.Pattern == r.Pattern && r.Methods.Contains(c.Method))).Select(r => r.ToString()).ToList();
        Assert.That(uncovered, Is.Empty, "routes with no platformctl subcommand");
        var unknown = commands.Where(c => !routes.Any(r => r.Pattern == c.Pattern && r.Methods.Contains(c.Method))).Select(c => c.Command).ToList();
        Assert.That(unknown, Is.Empty, "subcommands calling a route the controller does not serve");
    }

    [Test]
    public async Task A_volume_is_created_listed_and_deleted_and_failures_exit_by_their_class()
    {
        var name = Unique("ctl");
        var created = await Ctl.JsonAsync("volume", "create", "--volume-name", name, "--volume-size", "1", "--describe", "made by platformctl");
        var volumeId = created.GetProperty("volume_id").GetString()!;
        OnCleanUp(() => RemoveRbdImageAsync("volumes", volumeId));

        var listed = await Ctl.JsonAsync("volume", "list", "--filter-name", name);
        Assert.That(listed.GetProperty("total").GetInt32(), Is.EqualTo(1), listed.ToString());
        Assert.That(listed.GetProperty("items")[0].GetProperty("status").GetString(), Is.EqualTo("available"), listed.ToString());
        Assert.That(await RbdImageExistsAsync("volumes", volumeId), Is.True, "the volume's RBD image");

        var table = await Ctl.RunAsync("volume", "list", "--filter-name", name);
        Assert.That(table.ExitCode, Is.Zero, table.StandardError);
        var lines = table.StandardOutput.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        Assert.That(lines[0], Does.StartWith("VOLUME_ID").And.Contain("VOLUME_NAME").And.Contain("STATUS"), table.StandardOutput);
        Assert.That(lines.Single(l => l.StartsWith(volumeId, StringComparison.Ordinal)), Does.Contain(name).And.Contain("available"), table.StandardOutput);
        Assert.That(lines[^1], Is.EqualTo("total 1, page_num 1, page_size 20"), table.StandardOutput);

        var badSize = await Ctl.RunAsync("volume", "create", "--volume-name", Unique("bad"), "--volume-size", "0");
        Assert.That(badSize.ExitCode, Is.EqualTo(2), badSize.StandardError);
        Assert.That(badSize.StandardError, Does.Contain("(code 40001)").And.Contain("volume_size:"), "the server's message and the field");
        Assert.That(badSize.StandardOutput, Is.Empty);

        var badFlag = await Ctl.RunAsync("volume", "create", "--volume-size", "ten");
        Assert.That((badFlag.ExitCode, badFlag.StandardError.Trim()), Is.EqualTo((2, "platformctl: --volume-size: 'ten' is not a whole number")));

        var unknownCommand = await Ctl.RunAsync("volume", "explode");
        Assert.That(unknownCommand.ExitCode, Is.EqualTo(2), unknownCommand.StandardError);

        await Ctl.JsonAsync("volume", "delete", "--volume-id", volumeId);
        Assert.That(await RbdImageExistsAsync("volumes", volumeId), Is.False, "the RBD image after delete");

        var gone = await Ctl.RunAsync("volume", "delete", "--volume-id", volumeId);
        Assert.That(gone.ExitCode, Is.EqualTo(3), gone.StandardError);
        Assert.That(gone.StandardError, Does.Contain(volumeId).And.Contain("(code 40402)"));

        var noTask = await Ctl.RunAsync("task", "detail", "--task-id", "t-nope");
        Assert.That(noTask.ExitCode, Is.EqualTo(3), noTask.StandardError);

        // Nothing listens on port 1: the controller is unavailable.
        var unreachable = await PlatformCtl.For("http://127.0.0.1:1").RunAsync("volume", "list");
        Assert.That(unreachable.ExitCode, Is.EqualTo(5), unreachable.StandardError);
        Assert.That(unreachable.StandardError, Does.Contain("the controller at http://127.0.0.1:1 did not answer"));
    }

    /// <summary>
    /// `platformctl login` signs in with the password, saves a token (0600) in the settings file
    /// it is given, and the following commands act as that user; without credentials the API
    /// refuses with exit 8.
    /// </summary>
    [Test]
    public async Task Login_saves_a_token_that_the_next_commands_use()
    {
        var directory = Directory.CreateTempSubdirectory("platformctl-login-").FullName;
        OnCleanUp(() => { Directory.Delete(directory, recursive: true); return Task.CompletedTask; });
        var passwordFile = Path.Combine(directory, "password");
        await File.WriteAllTextAsync(passwordFile, Controller.AdminPassword + "\n");
        var settings = Path.Combine(directory, "platformctl.json");
        var anonymous = PlatformCtl.For(Controller.RestUrl, token: null, Certificates.AuthorityPath);

        var denied = await anonymous.RunAsync("volume", "list");
        Assert.That(denied.ExitCode, Is.EqualTo(8), denied.StandardError);
        Assert.That(denied.StandardError, Does.Contain("(code 40101)"));

        var login = await anonymous.RunAsync("login", "--user", ControllerProcess.AdminName, "--password-file", passwordFile, "--role", "viewer", "--save", settings);
        Assert.That(login.ExitCode, Is.Zero, login.StandardError);
        Assert.That(login.StandardOutput, Does.Contain("signed in as admin (admin)").And.Contain("(viewer) saved in " + settings));
        Assert.That(File.GetUnixFileMode(settings), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));

        var whoami = await anonymous.JsonAsync("--config", settings, "auth", "whoami");
        Assert.That((whoami.GetProperty("name").GetString(), whoami.GetProperty("role").GetString(), whoami.GetProperty("via").GetString()), Is.EqualTo(("admin", "viewer", "token")));
        var readOnly = await anonymous.RunAsync("--config", settings, "nic", "create", "--network-interface-name", "not-allowed");
        Assert.That(readOnly.ExitCode, Is.EqualTo(8), readOnly.StandardError);
        Assert.That(readOnly.StandardError, Does.Contain("(code 40300)"));

        await File.WriteAllTextAsync(passwordFile, "not the password\n");
        var wrong = await anonymous.RunAsync("login", "--user", ControllerProcess.AdminName, "--password-file", passwordFile, "--save", settings);
        Assert.That(wrong.ExitCode, Is.EqualTo(8), wrong.StandardError);
        Assert.That(wrong.StandardError, Does.Contain("the name or the password is wrong"));
    }

    [Test]
    public async Task An_instance_create_is_followed_with_progress_lines_to_its_outcome()
    {
        var imageId = await BlankImageAsync();
        var name = Unique("ctl-vm");

        var create = await Ctl.RunAsync(BootTimeout, "instance", "create", "--instance-name", name, "--image-id", imageId,
            "--cpu", "1", "--memory", "128", "--output", "json");
        using var created = JsonDocument.Parse(create.StandardOutput.Length > 0 ? create.StandardOutput : "{}");
        var instanceId = created.RootElement.TryGetProperty("instance_id", out var id) ? id.GetString()! : "";
        if (instanceId.Length > 0)
        {
            OnCleanUp(() => DestroyLeftoverAsync(instanceId));
        }
        Assert.That(create.ExitCode, Is.Zero, create.StandardError);
        var progress = create.StandardError.Split('\n').Where(l => l.StartsWith("progress: instance create", StringComparison.Ordinal)).ToList();
        Assert.That(progress, Has.Count.GreaterThanOrEqualTo(2), create.StandardError);
        Assert.That(progress[^1], Does.Match(@"^progress: instance create \(\S+\): 100%"), create.StandardError);
        Assert.That(create.StandardError, Does.Contain($"platformctl: task {created.RootElement.GetProperty("task_id").GetString()} succeeded"));
        Assert.That(await DomainStateAsync(instanceId), Is.EqualTo("running"), "the domain once the command returned");

        // The instance's disk is a clone of the image: the image cannot go (40901, a conflict).
        var inUse = await Ctl.RunAsync("image", "delete", "--image-id", imageId);
        Assert.That(inUse.ExitCode, Is.EqualTo(4), inUse.StandardError);
        Assert.That(inUse.StandardError, Does.Contain("(code 40901)"));

        // A deadline shorter than the task: exit 7 with the task named; it goes on to its end.
        var hurried = await Ctl.RunAsync("instance", "create", "--instance-name", Unique("ctl-hurried"), "--image-id", imageId,
            "--cpu", "1", "--memory", "128", "--timeout", "0");
        var hurriedTask = System.Text.RegularExpressions.Regex.Match(hurried.StandardError, @"task detail --task-id (task-\S+)").Groups[1].Value;
        Assert.That(hurried.ExitCode, Is.EqualTo(7), hurried.StandardError);
        Assert.That(hurriedTask, Is.Not.Empty, hurried.StandardError);
        var hurriedInstance = "";
        await Eventually.HoldsAsync(async () =>
        {
            var task = await Ctl.JsonAsync("task", "detail", "--task-id", hurriedTask);
            hurriedInstance = task.GetProperty("resource_id").GetString()!;
            return task.GetProperty("state").GetString() is "succeeded" or "failed";
        }, BootTimeout, $"task {hurriedTask} ended");
        OnCleanUp(() => DestroyLeftoverAsync(hurriedInstance));
        Assert.That(await DomainStateAsync(hurriedInstance), Is.EqualTo("running"), "the instance whose task was left to run");
        Assert.That((await Ctl.RunAsync(BootTimeout, "instance", "destroy", "--instance-id", hurriedInstance)).ExitCode, Is.Zero);

        var destroy = await Ctl.RunAsync(BootTimeout, "instance", "destroy", "--instance-id", instanceId);
        Assert.That(destroy.ExitCode, Is.Zero, destroy.StandardError);
        Assert.That(destroy.StandardError, Does.Contain("progress: instance destroy"));
        Assert.That(await DomainExistsAsync(instanceId), Is.False, "the domain after destroy");

        // The destroy task removed the record before the command returned: unknown, not in a wrong state.
        var again = await Ctl.RunAsync("instance", "turnon", "--instance-id", instanceId);
        Assert.That(again.ExitCode, Is.EqualTo(3), again.StandardError);
        Assert.That(again.StandardError, Does.Contain(instanceId).And.Contain("(code 40404)"));
    }

    /// <summary>
    /// A create whose task fails on the agent: the image is in the inventory but RBD has no such
    /// image, so the clone step fails. The command follows the task to its end and exits 6 with
    /// the task's id, its sentence and its error code.
    /// </summary>
    [Test]
    public async Task An_instance_create_whose_task_fails_exits_6_naming_the_task()
    {
        var imageId = "ami-" + Guid.NewGuid().ToString("N")[..8];
        await ExecuteAsync("INSERT INTO images (image_id, image_name, image_size, os_type, status) VALUES (@id, 'ghost', 16777216, 'Linux', 'available')", ("id", imageId));

        var create = await Ctl.RunAsync(BootTimeout, "instance", "create", "--instance-name", Unique("ctl-doomed"), "--image-id", imageId, "--cpu", "1", "--memory", "128");
        var taskId = System.Text.RegularExpressions.Regex.Match(create.StandardError, @"platformctl: task (task-\S+) failed: ").Groups[1].Value;
        if (taskId.Length > 0)
        {
            var instanceId = (await Ctl.JsonAsync("task", "detail", "--task-id", taskId)).GetProperty("resource_id").GetString()!;
            OnCleanUp(() => DestroyLeftoverAsync(instanceId));
        }

        Assert.That(create.ExitCode, Is.EqualTo(6), create.StandardError);
        Assert.That(taskId, Is.Not.Empty, create.StandardError);
        var task = await Ctl.JsonAsync("task", "detail", "--task-id", taskId);
        Assert.Multiple(() =>
        {
            Assert.That(task.GetProperty("state").GetString(), Is.EqualTo("failed"), task.ToString());
            Assert.That(create.StandardError, Does.Contain($"task {taskId} failed: {task.GetProperty("error").GetString()} (code {task.GetProperty("error_code").GetInt32()})"));
            Assert.That(create.StandardOutput, Is.Empty, "nothing printed as a result");
        });
    }

    [Test]
    public async Task The_agent_is_listed_described_called_and_checked_over_mutual_tls()
    {
        var services = await Ctl.JsonAsync("agent", "list", "--host", HostId);
        Assert.That(services.EnumerateArray().Select(s => s.GetString()), Does.Contain("platform.agent.v1.HostService").And.Contain("grpc.health.v1.Health"));

        var describe = await Ctl.RunAsync("agent", "describe", "platform.agent.v1.HostService", "--agent", Agent.GrpcUrl);
        Assert.That(describe.ExitCode, Is.Zero, describe.StandardError);
        Assert.That(describe.StandardOutput, Does.Contain("rpc GetHostInfo(platform.agent.v1.GetHostInfoRequest) returns (platform.agent.v1.HostInfo);"));

        var info = await Ctl.JsonAsync("agent", "call", "platform.agent.v1.HostService/GetHostInfo", "--host", HostId);
        Assert.That(info.EnumerateObject().Select(p => p.Name), Is.Not.Empty, info.ToString());

        var pools = await Ctl.JsonAsync("agent", "call", "platform.agent.v1.RbdService/ListImages", "--host", HostId, "--data", """{"pool": "volumes"}""");
        Assert.That(pools.ValueKind, Is.EqualTo(JsonValueKind.Object), pools.ToString());

        var badData = await Ctl.RunAsync("agent", "call", "platform.agent.v1.RbdService/ListImages", "--host", HostId, "--data", """{"poool": "volumes"}""");
        Assert.That(badData.ExitCode, Is.EqualTo(2), badData.StandardError);
        Assert.That(badData.StandardError, Does.Contain("has no field 'poool'"));

        var missing = await Ctl.RunAsync("agent", "call", "platform.agent.v1.RbdService/GetImage", "--host", HostId, "--data", """{"pool": "volumes", "name": "vol-nothere"}""");
        Assert.That(missing.ExitCode, Is.EqualTo(3), missing.StandardError);
        Assert.That(missing.StandardError, Does.Contain("NotFound"));

        var health = await Ctl.JsonAsync("agent", "health", "--host", HostId);
        Assert.That(health.GetProperty("status").GetString(), Is.EqualTo("SERVING"), health.ToString());

        // Without the operator's certificate the agent refuses the connection.
        var anonymous = await PlatformCtl.For(Controller.RestUrl, Controller.Token, Certificates.AuthorityPath).RunAsync("agent", "health", "--agent", Agent.GrpcUrl);
        Assert.That(anonymous.ExitCode, Is.EqualTo(5), anonymous.StandardError);
    }
}
