namespace Platform.Controller.Api;

/// <summary>The result of a use case: a value, or an <see cref="ApiError"/> the endpoint serves as is.</summary>
internal readonly struct ApiResult<T>
{
    private ApiResult(T? value, ApiError? error)
    {
        Value = value;
        Error = error;
    }

    public T? Value { get; }

    public ApiError? Error { get; }

    public static implicit operator ApiResult<T>(T value) => new(value, null);

    public static implicit operator ApiResult<T>(ApiError error) => new(default, error);
}
