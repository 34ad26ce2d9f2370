using Platform.Controller.Api;

namespace Platform.Controller.Security;

internal static class UserErrors
{
    public static ApiError Of(UserChange change, string name) => change switch
    {
        UserChange.NotFound => ApiError.NotFound(ApiErrorCode.UserNotFound, "user", name),
        UserChange.NameTaken => new ApiError(ApiErrorCode.AlreadyExists, $"a user named {name} already exists"),
        UserChange.LastAdmin => new ApiError(ApiErrorCode.LastAdmin, $"{name} is the last enabled admin: make another admin first; nothing was changed"),
        _ => throw new ArgumentOutOfRangeException(nameof(change), change, "not a failure"),
    };

    public static ApiError TokenNotFound(string tokenId) => ApiError.NotFound(ApiErrorCode.TokenNotFound, "API token", tokenId);
}
