using System.Text.Json;
using Platform.Controller.Api;
using Platform.Controller.Api.Description;
using Platform.Controller.Security;
using Platform.Controller.Tasks;

namespace Platform.Controller.Audit;

/// <summary>/api/v1/audit/list: who changed what, when, and how it ended.</summary>
internal static class AuditEndpoints
{
    public static WebApplicationBuilder AddAudit(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AuditStore>();
        return builder;
    }

    public static void MapAuditEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/v1/audit/list", List).Describe(new("audit_list", "audit", "Who changed what, when, and how it ended; newest first", typeof(PageOf<AuditView>))
        {
            Access = ApiAccess.Viewer,
            Fields = [ApiField.Text("resource_id", TextRule.Name), ApiField.Choice("action", AuditActions.All), .. ApiField.Paging],
        });

    private static Task<IResult> List(HttpRequest http, AuditStore store, CancellationToken ct) =>
        ApiCall.RunAsync(http, async request =>
        {
            var resourceId = request.Text("resource_id", TextRule.Name);
            var action = request.Choice("action", AuditActions.All);
            var paging = request.Paging();
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            var (total, items) = await store.ListAsync(resourceId, action, paging.Offset, paging.PageSize, ct);
            return new PageOf<AuditView>(total, paging.PageNum, paging.PageSize, items.Select(AuditView.From).ToList());
        }, ct);
}

/// <summary>An audit event; error_code is the REST code the failure answers with (as on tasks).</summary>
internal sealed record AuditView(
    long EventId, long At, string Action, string ResourceId, string Outcome, string? TaskId, int? ErrorCode, string? Error,
    string? RemoteAddress, string? RequestId, string? TraceId, string? Principal, JsonElement Detail)
{
    public static AuditView From(AuditRecord r) => new(
        r.EventId, r.At, r.Action, r.ResourceId, r.Outcome, r.TaskId, TaskFailureKinds.ApiCodeOf(r.ErrorCode), r.Error,
        r.RemoteAddress, r.RequestId, r.TraceId, r.Principal, JsonSerializer.Deserialize<JsonElement>(r.Detail));
}
