import { chartDependencies } from './chart-dependencies';

describe('chartDependencies', () => {
  it('reads the dependencies of a Chart.yaml, indented or not', () => {
    const chart = `apiVersion: v2
name: app
dependencies:
  - name: common
    version: "2.x"
    repository: https://charts.example.com # shared
  - name: redis
    version: 17.0.0
    repository: 'oci://registry.example.com/charts'
    condition: redis.enabled
maintainers:
  - name: someone
`;
    expect(chartDependencies(chart)).toEqual([
      { name: 'common', version: '2.x', repository: 'https://charts.example.com' },
      { name: 'redis', version: '17.0.0', repository: 'oci://registry.example.com/charts' },
    ]);
    expect(chartDependencies('dependencies:\n- name: a\n  version: 1\n')).toEqual([{ name: 'a', version: '1', repository: '' }]);
    expect(chartDependencies('name: x\n')).toEqual([]);
  });
});
