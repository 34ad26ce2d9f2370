namespace Platform.Controller.Api;

/// <summary>Reads the request's parameters, runs the handler, and serves its outcome in the envelope.</summary>
internal static class ApiCall
{
    /// <param name="handler">Answers an <see cref="ApiError"/>, or the data of a successful envelope.</param>
    public static async Task<IResult> RunAsync(HttpRequest http, Func<ApiRequest, Task<object?>> handler, CancellationToken ct)
    {
        var request = await ApiRequest.ReadAsync(http, ct);
        if (request.Error is { } malformed)
        {
            return ApiEnvelope.Fail(malformed);
        }
        var outcome = await handler(request.Value!);
        Description.ApiDescriptionGuard.Check(http.HttpContext, request.Value!.FieldsRead);
        return outcome is ApiError error ? ApiEnvelope.Fail(error) : ApiEnvelope.Ok(outcome);
    }
}
