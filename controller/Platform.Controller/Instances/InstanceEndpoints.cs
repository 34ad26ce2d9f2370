using Platform.Controller.Api;
using Platform.Controller.Api.Description;
using Platform.Controller.Security;
using Platform.Controller.Audit;

namespace Platform.Controller.Instances;

/// <summary>/api/v1/instance/*.</summary>
internal static class InstanceEndpoints
{
    public static void MapInstanceEndpoints(this IEndpointRouteBuilder app)
    {
        var instance = app.MapGroup("/api/v1/instance");
        instance.MapGet("/list", List).Describe(new("instance_list", Tag, "List instances", typeof(PageOf<InstanceView>))
        {
            Access = ApiAccess.Viewer,
            Fields = [FilterName, .. ApiField.Paging],
        });
        instance.MapGet("/search", Search).Describe(new("instance_search", Tag, "Search instances", typeof(PageOf<InstanceView>))
        {
            Access = ApiAccess.Viewer,
            Fields =
            [
                FilterName,
                InstanceId with { Required = false },
                ApiField.Choice("status", Statuses),
                ApiField.Text("host_ip", TextRule.Description) with { Description = "an IP address" },
                ApiField.ImageId("image_id", required: false),
                ApiField.Text("ip", TextRule.Description) with { Description = "an IPv4 address of one of its network interfaces" },
                .. ApiField.Paging,
            ],
        });
        instance.MapGet("/detail", Detail).Describe(new("instance_detail", Tag, "One instance with its image, volumes and network interfaces", typeof(InstanceDetail))
        {
            Access = ApiAccess.Viewer,
            Fields = [InstanceId],
        });
        instance.MapPost("/create", Create).Describe(new("instance_create", Tag, "Create an instance (a task: poll /instance/progress)", typeof(InstanceCreated))
        {
            Access = ApiAccess.Operator,
            Fields = CreateInstanceRequest.Fields,
        });
        instance.MapGet("/progress", Progress).Describe(new("instance_progress", Tag, "How an instance's latest (or a given) task is going", typeof(InstanceProgress))
        {
            Access = ApiAccess.Viewer,
            Description = "Give instance_id, task_id or both.",
            Fields = [InstanceId with { SometimesRequired = true }, ApiField.Text("task_id", TextRule.Name)],
        });
        instance.MapPost("/turnon", TurnOn).Describe(new("instance_turn_on", Tag, "Start an instance", typeof(InstanceOperation)) { Access = ApiAccess.Operator, Fields = [InstanceId] });
        instance.MapPost("/turnoff", TurnOff).Describe(new("instance_turn_off", Tag, "Stop an instance", typeof(InstanceOperation))
        {
            Access = ApiAccess.Operator,
            Fields = [InstanceId, ApiField.Boolean("force") with { Description = "power off instead of an ACPI shutdown" }],
        });
        // The seed's spelling, served as is, and the correct one.
        instance.MapPost("/destory", Destroy).Describe(new("instance_destory", Tag, "Destroy an instance (the seed's spelling of /destroy)", typeof(InstanceOperation))
        {
            Access = ApiAccess.Operator,
            Fields = [InstanceId],
        });
        instance.MapPost("/destroy", Destroy).Describe(new("instance_destroy", Tag, "Destroy an instance", typeof(InstanceOperation)) { Access = ApiAccess.Operator, Fields = [InstanceId] });
    }

    private const string Tag = "instances";

    private static readonly ApiField FilterName = ApiField.Text("filter_name", TextRule.Description) with { Description = "part of the name" };

    private static readonly ApiField InstanceId = ApiField.Id("instance_id", ResourceIds.Instance);

    private static readonly IReadOnlyList<string> Statuses =
    [
        InstanceStatus.Creating, InstanceStatus.Running, InstanceStatus.Stopped, InstanceStatus.Starting,
        InstanceStatus.Stopping, InstanceStatus.Destroying, InstanceStatus.Error, InstanceStatus.Paused, InstanceStatus.Crashed,
    ];

    private static Task<IResult> List(HttpRequest http, InstanceQueries queries, CancellationToken ct) =>
        ApiCall.RunAsync(http, async request =>
        {
            var name = request.Text("filter_name", TextRule.Description);
            var paging = request.Paging();
            return request.IsValid
                ? await queries.SearchAsync(new InstanceFilter(name, null, null, null, null, null), paging, ct)
                : request.ValidationError;
        }, ct);

    private static Task<IResult> Search(HttpRequest http, InstanceQueries queries, CancellationToken ct) =>
        ApiCall.RunAsync(http, async request =>
        {
            var name = request.Text("filter_name", TextRule.Description);
            var instanceId = request.Id("instance_id", ResourceIds.Instance, required: false);
            var status = request.Choice("status", Statuses);
            var hostIp = request.Text("host_ip", TextRule.Description);
            var imageId = request.ImageId("image_id", required: false);
            var ip = request.Text("ip", TextRule.Description);
            if (hostIp is not null && !System.Net.IPAddress.TryParse(hostIp, out _))
            {
                request.AddError("host_ip", "must be an IP address");
            }
            // Compared as inet: only a spelling PostgreSQL reads (a NIC's address is IPv4).
            if (ip is not null && !Networks.NetworkEndpoints.IsIPv4(ip))
            {
                request.AddError("ip", "must be an IPv4 address such as 10.200.0.10");
            }
            var paging = request.Paging();
            return request.IsValid
                ? await queries.SearchAsync(new InstanceFilter(name, instanceId, status, hostIp, imageId, ip), paging, ct)
                : request.ValidationError;
        }, ct);

    private static Task<IResult> Detail(HttpRequest http, InstanceQueries queries, CancellationToken ct) =>
        ApiCall.RunAsync(http, async request =>
        {
            var instanceId = request.Id("instance_id", ResourceIds.Instance);
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            var detail = await queries.DetailAsync(instanceId!, ct);
            return detail.Error is { } error ? error : detail.Value;
        }, ct);

    private static Task<IResult> Create(HttpRequest http, InstanceCreation creation, CancellationToken ct) =>
        ApiCall.RunAsync(http, async request =>
        {
            if (CreateInstanceRequest.Read(request) is not { } create)
            {
                return request.ValidationError;
            }
            var created = await creation.CreateAsync(create, Caller.Of(http), ct);
            return created.Error is { } error ? error : created.Value;
        }, ct);

    private static Task<IResult> Progress(HttpRequest http, InstanceQueries queries, CancellationToken ct) =>
        ApiCall.RunAsync(http, async request =>
        {
            var instanceId = request.Id("instance_id", ResourceIds.Instance, required: !request.Has("task_id"));
            var taskId = request.Has("task_id") ? request.Text("task_id", TextRule.Name) : null;
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            var progress = await queries.ProgressAsync(instanceId, taskId, ct);
            return progress.Error is { } error ? error : progress.Value;
        }, ct);

    private static Task<IResult> TurnOn(HttpRequest http, InstanceOperations operations, CancellationToken ct) =>
        ApiCall.RunAsync(http, async request =>
        {
            var instanceId = request.Id("instance_id", ResourceIds.Instance);
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            return Answer(await operations.TurnOnAsync(instanceId!, Caller.Of(http), ct));
        }, ct);

    private static Task<IResult> TurnOff(HttpRequest http, InstanceOperations operations, CancellationToken ct) =>
        ApiCall.RunAsync(http, async request =>
        {
            var instanceId = request.Id("instance_id", ResourceIds.Instance);
            var force = request.Boolean("force") ?? false;
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            return Answer(await operations.TurnOffAsync(instanceId!, force, Caller.Of(http), ct));
        }, ct);

    private static Task<IResult> Destroy(HttpRequest http, InstanceOperations operations, CancellationToken ct) =>
        ApiCall.RunAsync(http, async request =>
        {
            var instanceId = request.Id("instance_id", ResourceIds.Instance);
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            return Answer(await operations.DestroyAsync(instanceId!, Caller.Of(http), ct));
        }, ct);

    private static object? Answer(ApiResult<InstanceOperation> result) => result.Error is { } error ? error : result.Value;
}
