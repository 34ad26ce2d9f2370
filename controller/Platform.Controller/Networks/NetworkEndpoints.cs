using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Platform.Controller.Api;
using Platform.Controller.Api.Description;
using Platform.Controller.Security;
using Platform.Controller.Audit;

namespace Platform.Controller.Networks;

/// <summary>/api/v1/network/*: network interfaces (NICs).</summary>
internal static partial class NetworkEndpoints
{
    private static readonly IReadOnlyList<string> Statuses = [NicStatus.Idle, NicStatus.Attaching, NicStatus.Attached, NicStatus.Detaching, NicStatus.Error];

    public static void MapNetworkEndpoints(this IEndpointRouteBuilder app)
    {
        var network = app.MapGroup("/api/v1/network");
        network.MapGet("/list", List).Describe(new("network_interface_list", Tag, "List network interfaces", typeof(PageOf<NicView>))
        {
            Access = ApiAccess.Viewer,
            Fields = [FilterName, .. ApiField.Paging],
        });
        network.MapGet("/search", Search).Describe(new("network_interface_search", Tag, "Search network interfaces", typeof(PageOf<NicView>))
        {
            Access = ApiAccess.Viewer,
            Fields =
            [
                FilterName,
                NicId with { Required = false },
                ApiField.Text("mac", TextRule.Description) with { Description = "a MAC address such as 52:54:00:12:34:56" },
                ApiField.Text("ip", TextRule.Description) with { Description = "an IPv4 address such as 10.200.0.10" },
                ApiField.Id("instance_id", ResourceIds.Instance, required: false),
                ApiField.Choice("status", Statuses),
                .. ApiField.Paging,
            ],
        });
        network.MapPost("/create", Create).Describe(new("network_interface_create", Tag, "Create a network interface (address and MAC allocated)", typeof(NicView))
        {
            Access = ApiAccess.Operator,
            Fields =
            [
                ApiField.Text(NicFields.Name, TextRule.Name, required: true) with { Aliases = [NicFields.NameAlias] },
                ApiField.Text("describe", TextRule.Description),
            ],
        });
        network.MapPost("/attach", Attach).Describe(new("network_interface_attach", Tag, "Attach a network interface to an instance", typeof(NicView))
        {
            Access = ApiAccess.Operator,
            Fields = [NicId, ApiField.Id("instance_id", ResourceIds.Instance)],
        });
        network.MapPost("/detach", Detach).Describe(new("network_interface_detach", Tag, "Detach a network interface from its instance", typeof(NicView))
        {
            Access = ApiAccess.Operator,
            Fields = [NicId, ApiField.Id("instance_id", ResourceIds.Instance)],
        });
        // The seed leaves the method open; GET only as for volume/delete.
        network.MapMethods("/delete", LegacyDeletes.Methods(app), Delete)
            .Describe(new("network_interface_delete", Tag, "Delete a network interface", typeof(NicView)) { Access = ApiAccess.Operator, Fields = [NicId] });
    }

    private const string Tag = "network-interfaces";

    private static readonly ApiField FilterName = ApiField.Text("filter_name", TextRule.Description) with { Description = "part of the name" };

    private static readonly ApiField NicId = ApiField.Id(NicFields.Id, ResourceIds.Nic) with { Aliases = [NicFields.IdAlias] };

    /// <summary>A MAC as the search filter takes it: six colon-separated hex pairs, either case.</summary>
    public static bool IsMac(string text) => MacPattern().IsMatch(text);

    /// <summary>
    /// A dotted-decimal IPv4 address as PostgreSQL's inet reads it. IPAddress.TryParse alone also
    /// accepts "1", "1.2", "0x10" or "010.1.1.1" (inet_aton's forms), which inet refuses: only the
    /// address's own canonical spelling is taken.
    /// </summary>
    public static bool IsIPv4(string text) =>
        IPAddress.TryParse(text, out var address) && address.AddressFamily == AddressFamily.InterNetwork
        && string.Equals(address.ToString(), text, StringComparison.Ordinal);

    private static async Task<IResult> List(HttpRequest http, NicStore nics, CancellationToken ct) =>
        await ApiCall.RunAsync(http, async request =>
        {
            var filter = new NicFilter(request.Text("filter_name", TextRule.Description));
            return await PageAsync(request, nics, filter, ct);
        }, ct);

    private static async Task<IResult> Search(HttpRequest http, NicStore nics, CancellationToken ct) =>
        await ApiCall.RunAsync(http, async request =>
        {
            var name = request.Text("filter_name", TextRule.Description);
            var nicId = request.Id(request.Named(NicFields.Id, NicFields.IdAlias), ResourceIds.Nic, required: false);
            var mac = request.Text("mac", TextRule.Description);
            if (mac is not null && !IsMac(mac))
            {
                request.AddError("mac", "must be a MAC address such as 52:54:00:12:34:56");
                mac = null;
            }
            var ip = request.Text("ip", TextRule.Description);
            if (ip is not null && !IsIPv4(ip))
            {
                request.AddError("ip", "must be an IPv4 address such as 10.200.0.10");
                ip = null;
            }
            var instanceId = request.Id("instance_id", ResourceIds.Instance, required: false);
            var status = request.Choice("status", Statuses);
            return await PageAsync(request, nics, new NicFilter(name, nicId, mac?.ToLowerInvariant(), ip, instanceId, status), ct);
        }, ct);

    private static async Task<object?> PageAsync(ApiRequest request, NicStore nics, NicFilter filter, CancellationToken ct)
    {
        var paging = request.Paging();
        if (!request.IsValid)
        {
            return request.ValidationError;
        }
        var (total, items) = await nics.ListAsync(filter, paging.Offset, paging.PageSize, ct);
        return new PageOf<NicView>(total, paging.PageNum, paging.PageSize, items.Select(n => NicView.From(n, null)).ToList());
    }

    private static async Task<IResult> Create(HttpRequest http, NicUseCases useCases, CancellationToken ct) =>
        await ApiCall.RunAsync(http, async request =>
        {
            var name = request.Text(request.Named(NicFields.Name, NicFields.NameAlias), TextRule.Name, required: true);
            var describe = request.Text("describe", TextRule.Description) ?? "";
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            return Answer(await useCases.CreateAsync(name!, describe, Caller.Of(http), ct));
        }, ct);

    private static async Task<IResult> Attach(HttpRequest http, NicUseCases useCases, CancellationToken ct) =>
        await ApiCall.RunAsync(http, async request =>
        {
            var nicId = request.Id(request.Named(NicFields.Id, NicFields.IdAlias), ResourceIds.Nic);
            var instanceId = request.Id("instance_id", ResourceIds.Instance);
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            return Answer(await useCases.AttachAsync(nicId!, instanceId!, Caller.Of(http), ct));
        }, ct);

    private static async Task<IResult> Detach(HttpRequest http, NicUseCases useCases, CancellationToken ct) =>
        await ApiCall.RunAsync(http, async request =>
        {
            var nicId = request.Id(request.Named(NicFields.Id, NicFields.IdAlias), ResourceIds.Nic);
            var instanceId = request.Id("instance_id", ResourceIds.Instance);
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            return Answer(await useCases.DetachAsync(nicId!, instanceId!, Caller.Of(http), ct));
        }, ct);

    private static async Task<IResult> Delete(HttpRequest http, NicUseCases useCases, CancellationToken ct) =>
        await ApiCall.RunAsync(http, async request =>
        {
            var nicId = request.Id(request.Named(NicFields.Id, NicFields.IdAlias), ResourceIds.Nic);
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            return Answer(await useCases.DeleteAsync(nicId!, Caller.Of(http), ct));
        }, ct);

    private static object Answer(ApiResult<NicOutcome> outcome) =>
        outcome.Error is { } error ? error : NicView.From(outcome.Value!.Nic, outcome.Value.TaskId);

    [GeneratedRegex("^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")]
    private static partial Regex MacPattern();
}

/// <summary>A NIC as the console sees it, with the seed's field names; task_id is set on the answer of attach/detach.</summary>
internal sealed record NicView(
    string NetworkInterfaceId,
    string NetworkInterfaceName,
    string Mac,
    string Ip,
    string Status,
    string? InstanceId,
    string? InstanceName,
    long? AttachTime,
    long CreateTime,
    string Describe,
    string NetworkId,
    string? Error,
    string? TaskId)
{
    public static NicView From(NicRecord n, string? taskId) =>
        new(n.NicId, n.NicName, n.Mac, n.Ip, n.Status, n.InstanceId, n.InstanceName, n.AttachTime, n.CreateTime, n.Describe, n.NetworkId, n.Error, taskId);
}
