using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.Controller.Api;
using Platform.Controller.Api.Description;
using Platform.Controller.Instances;

namespace Platform.Tests.Unit.Controller;

/// <summary>The field descriptions of the OpenAPI document against what <see cref="ApiRequest"/> reads.</summary>
public sealed class ApiDescriptionTests
{
    [Test]
    public void The_readers_note_each_field_with_the_rules_they_read_it_by()
    {
        var request = ApiRequest.FromValues([new("volume_name", "data"), new("volume_size", "0")]);
        request.Text("volume_name", TextRule.Name, required: true);
        request.Integer("volume_size", SizeLimits.MinVolumeGiB, SizeLimits.MaxVolumeGiB, required: true);
        request.Paging();
        Assert.That(request.FieldsRead.Select(f => f.Name), Is.EqualTo(new[] { "volume_name", "volume_size", "page_num", "page_size" }));
        Assert.That(request.FieldsRead[1], Is.EqualTo(ApiField.Integer("volume_size", SizeLimits.MinVolumeGiB, SizeLimits.MaxVolumeGiB, required: true)));
        Assert.That(ApiField.Paging.All(described => request.FieldsRead.Any(described.Describes)), Is.True, "ApiField.Paging is what Paging() reads");
    }

    [Test]
    public void A_description_matches_only_a_read_of_the_same_field_with_the_same_limits()
    {
        var described = ApiField.Text("volume_name", TextRule.Name, required: true) with { Description = "words do not count" };
        Assert.That(described.Describes(ApiField.Text("volume_name", TextRule.Name, required: true)), Is.True);
        Assert.That(described.Describes(ApiField.Text("volume_name", TextRule.Description, required: true)), Is.False, "another rule");
        Assert.That(described.Describes(ApiField.Text("volume_name", TextRule.Name)), Is.False, "optional where it says required");
        Assert.That(described.Describes(ApiField.Text("volume_names", TextRule.Name, required: true)), Is.False, "another name");
        Assert.That(described.Describes(ApiField.Integer("volume_name", 1, 2, required: true)), Is.False, "another reader");
        Assert.That(ApiField.Integer("cpu", 1, 64).Describes(ApiField.Integer("cpu", 1, 65)), Is.False, "another limit");

        var aliased = ApiField.Id("network_interface_id", ResourceIds.Nic) with { Aliases = ["nic_id"] };
        Assert.That(aliased.Describes(ApiField.Id("nic_id", ResourceIds.Nic)), Is.True, "the older spelling");
        var sometimes = ApiField.Id("instance_id", ResourceIds.Instance) with { SometimesRequired = true };
        Assert.That(sometimes.Describes(ApiField.Id("instance_id", ResourceIds.Instance, required: false)), Is.True);
    }

    [Test]
    public void The_instance_create_description_is_what_its_reader_reads()
    {
        var request = ApiRequest.FromValues([]);
        CreateInstanceRequest.Read(request);
        Assert.That(request.FieldsRead, Is.Not.Empty);
        Assert.That(request.FieldsRead.Where(read => !CreateInstanceRequest.Fields.Any(f => f.Describes(read))).Select(f => f.Name), Is.Empty);
    }

    [Test]
    public void A_field_read_but_not_described_is_logged_once_per_endpoint()
    {
        var logs = new CapturingLoggerProvider();
        var services = new ServiceCollection().AddLogging(l => l.AddProvider(logs)).BuildServiceProvider();
        var operation = new ApiOperation("volume_list_" + Guid.NewGuid().ToString("N"), "volumes", "List volumes", typeof(object))
        {
            Access = Platform.Controller.Security.ApiAccess.Viewer,
            Fields = [ApiField.Text("filter_name", TextRule.Description), .. ApiField.Paging],
        };
        var endpoint = new Endpoint(_ => Task.CompletedTask, new EndpointMetadataCollection(operation), operation.OperationId);
        for (var i = 0; i < 2; i++)
        {
            var context = new DefaultHttpContext { RequestServices = services };
            context.SetEndpoint(endpoint);
            var request = ApiRequest.FromValues([]);
            request.Text("filter_name", TextRule.Description);
            request.Paging();
            request.Choice("status", ["idle"]);
            ApiDescriptionGuard.Check(context, request.FieldsRead);
        }
        Assert.That(logs.Messages, Has.Count.EqualTo(1));
        Assert.That(logs.Messages[0], Does.Contain("status").And.Contain(operation.OperationId).And.Contain("the document is out of date"));
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider, ILogger
    {
        public List<string> Messages { get; } = [];

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                Messages.Add(formatter(state, exception));
            }
        }

        public void Dispose()
        {
        }
    }
}
