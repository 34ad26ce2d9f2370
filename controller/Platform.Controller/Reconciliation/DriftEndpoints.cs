using Platform.Controller.Api;
using Platform.Controller.Api.Description;
using Platform.Controller.Security;

namespace Platform.Controller.Reconciliation;

/// <summary>/api/v1/drift/list: what reconciliation found, newest first; filter by resource_id and kind.</summary>
internal static class DriftEndpoints
{
    public static void MapDriftEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/v1/drift/list", List).Describe(new("drift_list", "drift", "What reconciliation found, newest first", typeof(PageOf<DriftRecord>))
        {
            Access = ApiAccess.Viewer,
            Fields =
            [
                ApiField.Boolean("include_resolved"),
                ApiField.Text("resource_id", TextRule.Name),
                ApiField.Choice("kind", Reconciler.Kinds),
                .. ApiField.Paging,
            ],
        });

    private static Task<IResult> List(HttpRequest http, DriftStore drifts, CancellationToken ct) =>
        ApiCall.RunAsync(http, async request =>
        {
            var includeResolved = request.Boolean("include_resolved") ?? false;
            var resourceId = request.Text("resource_id", TextRule.Name);
            var kind = request.Choice("kind", Reconciler.Kinds);
            var paging = request.Paging();
            if (!request.IsValid)
            {
                return request.ValidationError;
            }
            var (total, items) = await drifts.ListAsync(includeResolved, resourceId, kind, paging.Offset, paging.PageSize, ct);
            return new PageOf<DriftRecord>(total, paging.PageNum, paging.PageSize, items);
        }, ct);
}
