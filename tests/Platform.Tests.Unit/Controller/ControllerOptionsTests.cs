using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.Common.Logging;
using Platform.Controller.DriverCenter;
using Platform.Controller.Hosts;
using Platform.Controller.Idempotency;
using Platform.Controller.Networks;
using Platform.Controller.Reconciliation;
using Platform.Controller.Tasks;

namespace Platform.Tests.Unit.Controller;

/// <summary>Every options section of the controller is checked when it starts, and a wrong setting is named by its key.</summary>
public class ControllerOptionsTests
{
    private static readonly string Repository = StartupValidation.Repository;

    [Test]
    public void The_shipped_defaults_and_the_packaged_configuration_are_valid()
    {
        Assert.DoesNotThrow(() => Validate(new(), Path.Combine(Repository, "controller", "Platform.Controller", "appsettings.json")));
        Assert.DoesNotThrow(() => Validate(new(), Path.Combine(Repository, "controller", "Platform.Controller", "appsettings.json"),
            Path.Combine(Repository, "packaging", "deb", "platform-controller", "controller.json")));
    }

    [TestCase("Hosts:HeartbeatInterval", "00:00:00", "Hosts:HeartbeatInterval must be between")]
    [TestCase("Hosts:DownAfter", "00:00:04", "Hosts:DownAfter must be longer than Hosts:HeartbeatInterval")]
    [TestCase("Hosts:CpuOvercommit", "0", "Hosts:CpuOvercommit must be between")]
    [TestCase("Hosts:MemoryOvercommit", "-1", "Hosts:MemoryOvercommit must be between")]
    [TestCase("Hosts:HeartbeatIntervall", "00:00:01", "Hosts:HeartbeatIntervall is not a setting")]
    [TestCase("Agents:QueryTimeout", "00:00:00", "Agents:QueryTimeout must be between")]
    [TestCase("Agents:MutationTimeout", "02:00:00", "Agents:MutationTimeout must be between")]
    [TestCase("Agents:UnavailableRetryBudget", "01:00:00", "Agents:UnavailableRetryBudget must be between")]
    [TestCase("Agents:Tls:CertificateAuthorty", "/etc/platform/pki/ca.crt", "Agents:Tls:CertificateAuthorty is not a setting")]
    [TestCase("Tasks:Lease", "00:00:00", "Tasks:Lease must be between")]
    [TestCase("Tasks:PollInterval", "00:00:00", "Tasks:PollInterval must be between")]
    [TestCase("Tasks:MaxAttempts", "0", "Tasks:MaxAttempts must be between")]
    [TestCase("Tasks:SynchronousWait", "-00:00:01", "Tasks:SynchronousWait must be between")]
    [TestCase("Reconciliation:Interval", "00:00:00", "Reconciliation:Interval must be between")]
    [TestCase("Network:Id", "", "Network:Id")]
    [TestCase("Network:Bridge", "a-bridge-name-too-long", "Network:Bridge must be empty or a Linux interface name")]
    [TestCase("Network:Cidr", "10.200.0.0/33", "Network:Cidr must be a subnet")]
    [TestCase("Network:Gateway", "10.9.0.1", "Network:Gateway must be an address within Network:Cidr")]
    [TestCase("Network:RangeEnd", "not-an-address", "Network:RangeEnd must be an address within Network:Cidr")]
    [TestCase("Network:RangeStart", "10.200.255.251", "Network:RangeStart must not come after Network:RangeEnd")]
    [TestCase("DriverCenter:UploadChunkBytes", "1", "DriverCenter:UploadChunkBytes must be between")]
    [TestCase("DriverCenter:OperationTimeout", "00:00:00", "DriverCenter:OperationTimeout must be positive")]
    [TestCase("Idempotency:Retention", "00:00:10", "Idempotency:Retention (00:00:10) must be longer than Idempotency:InProgressLease")]
    [TestCase("Idempotency:Retension", "1.00:00:00", "Idempotency:Retension is not a setting")]
    [TestCase("Logging:Formatt", "json", "Logging:Formatt is not a setting")]
    public void A_wrong_setting_stops_the_start_naming_its_key(string key, string value, string message)
    {
        var error = Assert.Catch(() => Validate(new() { [key] = value }));
        Assert.That(error, Is.InstanceOf<OptionsValidationException>());
        Assert.That(((OptionsValidationException)error!).Failures, Has.Some.StartsWith(message));
    }

    [Test]
    public void A_log_format_other_than_text_or_json_stops_the_start_naming_its_key()
    {
        var error = Assert.Catch(() => Validate(new() { ["Logging:Format"] = "xml" }));
        Assert.That(error!.Message, Does.Contain("Logging:Format"));
        Assert.DoesNotThrow(() => Validate(new() { ["Logging:Format"] = "json" }));
    }

    /// <summary>Registers the sections as Program.cs does and runs the start-up validation.</summary>
    private static void Validate(Dictionary<string, string?> settings, params string[] jsonFiles) =>
        StartupValidation.Run(
            builder =>
            {
                builder.Logging.AddPlatformLogging(builder.Configuration, "controller");
                builder.AddHosts();
                builder.AddTasks();
                builder.AddNetworks();
                builder.AddReconciliation();
                builder.AddDriverCenter();
                builder.AddIdempotency();
            },
            settings,
            jsonFiles);
}
