namespace Platform.Controller.Api;

/// <summary>page_num (from 1) and page_size of a list request.</summary>
internal readonly record struct Paging(int PageNum, int PageSize)
{
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 1000;
    public const int MaxPageNum = 1_000_000;

    public int Offset => (PageNum - 1) * PageSize;
}
