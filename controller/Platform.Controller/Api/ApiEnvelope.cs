namespace Platform.Controller.Api;

/// <summary>The body of every /api/v1 response: <c>{"code": 0, "message": "ok", "data": …}</c>.</summary>
internal sealed record ApiEnvelope(int Code, string Message, object? Data)
{
    public static IResult Ok(object? data) => Results.Json(new ApiEnvelope(0, "ok", data));

    public static IResult Fail(ApiError error) =>
        Results.Json(
            new ApiEnvelope((int)error.Code, error.Message, error.Errors is null ? error.Change : new { errors = error.Errors }),
            statusCode: error.Code.HttpStatus());

    public static IResult From<T>(ApiResult<T> result) => result.Error is { } error ? Fail(error) : Ok(result.Value);
}

/// <summary>A page of a list: <c>{"total", "page_num", "page_size", "items"}</c>.</summary>
internal sealed record PageOf<T>(long Total, int PageNum, int PageSize, IReadOnlyList<T> Items);
