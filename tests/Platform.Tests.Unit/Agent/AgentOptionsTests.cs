using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.Common.Logging;
using Platform.Agent.Compute;
using Platform.Agent.DriverDisk;
using Platform.Agent.Grpc;
using Platform.Agent.Registration;
using Platform.Agent.Storage;

namespace Platform.Tests.Unit.Agent;

/// <summary>Every options section of the agent is checked when it starts, and a wrong setting is named by its key.</summary>
public class AgentOptionsTests
{
    private static readonly string Repository = StartupValidation.Repository;

    [Test]
    public void The_shipped_defaults_and_the_packaged_configuration_are_valid()
    {
        var defaults = Path.Combine(Repository, "agent", "Platform.Agent", "appsettings.json");
        Assert.DoesNotThrow(() => Validate(new(), defaults));
        Assert.DoesNotThrow(() => Validate(new(), defaults, Path.Combine(Repository, "packaging", "deb", "platform-agent", "agent.json")));
    }

    [TestCase("Compute:DomainType", "xen", "Compute:DomainType must be auto, kvm or qemu")]
    [TestCase("Compute:DetachAttempts", "0", "Compute:DetachAttempts must be between")]
    [TestCase("Compute:DhcpGateway", "10.0.0", "Compute:DhcpGateway must be an IPv4 address")]
    [TestCase("Compute:DetachTimout", "00:00:05", "Compute:DetachTimout is not a setting")]
    [TestCase("Storage:CephUser", "", "Storage:CephUser")]
    [TestCase("Storage:OsdOperationTimeout", "00:00:00", "Storage:OsdOperationTimeout must be between")]
    [TestCase("Storage:Pool", "rbd", "Storage:Pool is not a setting")]
    [TestCase("Operations:Retention", "00:00:00", "Operations:Retention must be between")]
    [TestCase("Transfer:ChunkSize", "1", "Transfer:ChunkSize must be between")]
    [TestCase("DriverDisk:DeltaCount", "0", "DriverDisk:DeltaCount must be between")]
    [TestCase("DriverDisk:StateDirectory", "relative/dir", "DriverDisk:StateDirectory must be an absolute path")]
    [TestCase("Registration:ControllerUrl", "ftp://controller:17081", "Registration:ControllerUrl must be an absolute http:// or https:// URL")]
    [TestCase("Registration:HeartbeatTimeout", "00:00:00", "Registration:HeartbeatTimeout must be between")]
    [TestCase("Registration:Tls:KeyPth", "/etc/platform/pki/agent.key", "Registration:Tls:KeyPth is not a setting")]
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

    [TestCase("Grpc:MaxReceiveMessageSize", "0", "Grpc:MaxReceiveMessageSize must be between")]
    [TestCase("Grpc:MaxRecieveMessageSize", "4096", "Grpc:MaxRecieveMessageSize is not a setting")]
    public void A_wrong_setting_of_the_grpc_server_stops_the_build_naming_its_key(string key, string value, string message)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value });
        var error = Assert.Throws<OptionsValidationException>(() => builder.AddAgentGrpc())!;
        Assert.That(error.Failures, Has.Some.StartsWith(message));
    }

    /// <summary>Registers the sections as Program.cs does and runs the start-up validation.</summary>
    private static void Validate(Dictionary<string, string?> settings, params string[] jsonFiles) =>
        StartupValidation.Run(
            builder =>
            {
                builder.Logging.AddPlatformLogging(builder.Configuration, "agent");
        builder.AddCompute();
        builder.AddStorage();
        builder.AddDriverDisk();
        builder.AddAgentGrpc();
        builder.AddHostRegistration();
            },
            settings,
            jsonFiles);
}
