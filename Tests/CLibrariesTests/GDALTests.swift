import CGDAL
import Foundation
import Testing

@Suite("CLibraries: GDAL and OGR")
struct GDALTests {
    func lastError() -> String { String(cString: CPLGetLastErrorMsg()) }

    /// GDALAllRegister is not thread-safe (GDAL's "Multi-threading" docs page: initialisation
    /// functions must not be called concurrently from several threads), and the
    /// tests of this suite run in parallel: two concurrent calls crashed the test process in CI.
    /// A static `let` runs its initialiser exactly once, and every other caller waits for it.
    static let driversRegistered: Void = GDALAllRegister()

    @Test func memoryRasterAndPointGeometry() throws {
        Self.driversRegistered
        let driver = try #require(GDALGetDriverByName("MEM"), "no MEM driver: \(lastError())")
        let dataset = try #require(GDALCreate(driver, "", 4, 3, 1, GDT_Float64, nil), "\(lastError())")
        defer { GDALClose(dataset) }
        #expect(GDALGetRasterXSize(dataset) == 4 && GDALGetRasterYSize(dataset) == 3)
        let band = try #require(GDALGetRasterBand(dataset, 1))

        // 3 rows × 4 columns, row by row: −5.5, −4.5, …, 5.5.
        var written = (0..<12).map { Double($0) - 5.5 }
        let writeError = GDALRasterIO(band, GF_Write, 0, 0, 4, 3, &written, 4, 3, GDT_Float64, 0, 0)
        try #require(writeError == CE_None, "\(lastError())")
        var read = [Double](repeating: .nan, count: 12)
        try #require(
            GDALRasterIO(band, GF_Read, 0, 0, 4, 3, &read, 4, 3, GDT_Float64, 0, 0) == CE_None, "\(lastError())")
        #expect(read == written)
        // A 2×2 window starting at column 1, row 1: values at (1,1) (2,1) (1,2) (2,2) = −0.5, 0.5, 3.5, 4.5.
        var window = [Double](repeating: .nan, count: 4)
        try #require(GDALRasterIO(band, GF_Read, 1, 1, 2, 2, &window, 2, 2, GDT_Float64, 0, 0) == CE_None)
        #expect(window == [-0.5, 0.5, 3.5, 4.5])

        var minMax = [Double](repeating: .nan, count: 2)
        try #require(GDALComputeRasterMinMax(band, 0, &minMax) == CE_None, "\(lastError())")
        #expect(minMax == [-5.5, 5.5])

        var wkt = Array("POINT (12.5 -3.25)".utf8CString)
        var geometry: OGRGeometryH?
        let ogrError = wkt.withUnsafeMutableBufferPointer { buffer -> OGRErr in
            var cursor: UnsafeMutablePointer<CChar>? = buffer.baseAddress
            return OGR_G_CreateFromWkt(&cursor, nil, &geometry)
        }
        try #require(ogrError == OGRERR_NONE, "OGR_G_CreateFromWkt failed with \(ogrError)")
        let point = try #require(geometry)
        defer { OGR_G_DestroyGeometry(point) }
        #expect(OGR_G_GetX(point, 0) == 12.5)
        #expect(OGR_G_GetY(point, 0) == -3.25)
        #expect(String(cString: OGR_G_GetGeometryName(point)) == "POINT")

        var bad = Array("POINT (1".utf8CString)
        var badGeometry: OGRGeometryH?
        let badError = bad.withUnsafeMutableBufferPointer { buffer -> OGRErr in
            var cursor: UnsafeMutablePointer<CChar>? = buffer.baseAddress
            return OGR_G_CreateFromWkt(&cursor, nil, &badGeometry)
        }
        #expect(badError != OGRERR_NONE)
        if let badGeometry { OGR_G_DestroyGeometry(badGeometry) }
    }

    static let slopePath: String? = sharedDataDirectory().map {
        $0.appendingPathComponent("eo/rasterstats/slope.tif").path
    }.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }

    /// Facts from ../shared/data/eo/README.md §1: slope.tif is 84 × 78 Float32 pixels of 25.525 m,
    /// origin (244300.6149, 1000868.7877), nodata −9999 on 320 pixels, values 0–737.9.
    @Test(.enabled(if: slopePath != nil, "../shared/data/eo/rasterstats/slope.tif is absent"))
    func referenceSlopeRaster() throws {
        let path = try #require(Self.slopePath)
        Self.driversRegistered
        let dataset = try #require(GDALOpen(path, GA_ReadOnly), "\(lastError())")
        defer { GDALClose(dataset) }
        #expect(GDALGetRasterXSize(dataset) == 84)
        #expect(GDALGetRasterYSize(dataset) == 78)
        #expect(GDALGetRasterCount(dataset) == 1)
        var transform = [Double](repeating: .nan, count: 6)
        try #require(GDALGetGeoTransform(dataset, &transform) == CE_None, "\(lastError())")
        #expect(abs(transform[0] - 244300.6149) < 1e-4)
        #expect(abs(transform[3] - 1000868.7877) < 1e-4)
        #expect(abs(transform[1] - 25.525) < 1e-3)
        #expect(abs(transform[5] + 25.525) < 1e-3)
        #expect(transform[2] == 0 && transform[4] == 0)

        let band = try #require(GDALGetRasterBand(dataset, 1))
        #expect(GDALGetRasterDataType(band) == GDT_Float32)
        var hasNoData: Int32 = 0
        let noData = GDALGetRasterNoDataValue(band, &hasNoData)
        #expect(hasNoData == 1 && noData == -9999)
        var pixels = [Float](repeating: .nan, count: 84 * 78)
        try #require(GDALRasterIO(band, GF_Read, 0, 0, 84, 78, &pixels, 84, 78, GDT_Float32, 0, 0) == CE_None)
        #expect(pixels.filter { $0 == -9999 }.count == 320)
        var minMax = [Double](repeating: .nan, count: 2)
        try #require(GDALComputeRasterMinMax(band, 0, &minMax) == CE_None, "\(lastError())")
        #expect(abs(minMax[0] - 0) < 0.05 && abs(minMax[1] - 737.9) < 0.05, "\(minMax)")
    }
}
